/* libedit (BSD editline) through its readline-compatible header, for the REPL. */
#ifndef B24LUA_CLIBEDIT_SHIM_H
#define B24LUA_CLIBEDIT_SHIM_H
#include <stdio.h>
#include <editline/readline.h>

/* Swift 6 refuses to touch C global variables (shared mutable state), so the REPL reaches
   libedit's readline globals through these one-liners. No state lives here. */

/* Sets up libedit once, before the first readline():
   - rl_catch_signals = 0: libedit's own SIGINT handler would put the terminal in cooked mode,
     re-raise the signal to the whole process group and make readline() return NULL as if
     Ctrl-D had been typed. The host's handler stays in charge instead.
   - getc: reads the keys; it turns an interrupted read (EINTR after SIGINT) into a ^C key.
   - cancel: bound to ^C; it ends readline() so the caller can drop the line.
   The word breaks leave '.' and ':' inside words, so "b24.chat_u" is completed as a whole. */
static inline void b24lua_rl_setup(int (*getc_fn)(FILE *), rl_command_func_t *cancel,
                                   rl_completion_func_t *complete) {
    rl_catch_signals = 0;
    rl_getc_function = getc_fn;
    rl_readline_name = "b24lua";
    rl_initialize();
    rl_add_defun("b24lua-cancel-line", cancel, 3);
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"\\'><=;+-*/%^~#&|{}()[],";
    rl_completion_append_character = '\0';
    rl_completion_query_items = 200;
}

/* Ends the line being edited (readline() then returns NULL: the caller knows why). */
static inline void b24lua_rl_finish(void) { rl_done = 1; }
static inline void b24lua_rl_reset(void) { rl_done = 0; }
/* Tells libedit not to fall back to file-name completion. */
static inline void b24lua_rl_completion_over(void) { rl_attempted_completion_over = 1; }
static inline const char *b24lua_rl_line_buffer(void) { return rl_line_buffer; }

#endif
