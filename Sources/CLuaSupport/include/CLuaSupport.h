#ifndef B24LUA_CLUASUPPORT_H
#define B24LUA_CLUASUPPORT_H
#include <lua.h>
#endif
