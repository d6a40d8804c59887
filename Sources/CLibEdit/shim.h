/* libedit (BSD editline) through its readline-compatible header, for the REPL. */
#ifndef B24LUA_CLIBEDIT_SHIM_H
#define B24LUA_CLIBEDIT_SHIM_H
#include <stdio.h>
#include <editline/readline.h>
#endif
