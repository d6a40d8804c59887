#include "CLuaSupport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>

static b24lua_Dispatch swift_dispatch;
static b24lua_Release swift_release;

void b24lua_set_callbacks(b24lua_Dispatch dispatch, b24lua_Release release) {
    swift_dispatch = dispatch;
    swift_release = release;
}

/* ---- allocator with a limit that only bites while Lua runs ---- */

typedef struct {
    size_t used;
    size_t limit;    /* 0: unlimited */
    int enforce;     /* 1 while Lua code runs under b24lua_pcall_traced */
} Budget;

static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    Budget *b = (Budget *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->used -= old;
        return NULL;
    }
    if (b->enforce && b->limit && nsize > old && b->used - old + nsize > b->limit) return NULL;
    void *p = realloc(ptr, nsize);
    if (p) b->used = b->used - old + nsize;
    return p;
}

static Budget *budget_of(lua_State *L) {
    void *ud;
    lua_getallocf(L, &ud);
    return (Budget *)ud;
}

static int panic(lua_State *L) {
    /* Only reached if an error escapes every protected call: a bug, never user input. */
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "b24lua: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    return 0;
}

/* Warnings as lauxlib prints them: off until "@on", pieces joined until the last one. */
typedef struct { int on; int continued; } WarnState;
static WarnState warn_state;

static void warnf(void *ud, const char *msg, int tocont) {
    WarnState *w = (WarnState *)ud;
    if (!w->continued && !tocont && *msg == '@') {
        if (strcmp(msg, "@off") == 0) w->on = 0;
        else if (strcmp(msg, "@on") == 0) w->on = 1;
        return;
    }
    if (w->on) {
        if (!w->continued) fputs("Lua warning: ", stderr);
        fputs(msg, stderr);
        if (!tocont) fputs("\n", stderr);
        fflush(stderr);
    }
    w->continued = tocont;
}

lua_State *b24lua_newstate(void) {
    Budget *b = calloc(1, sizeof(Budget));
    if (!b) return NULL;
    lua_State *L = lua_newstate(budget_alloc, b);
    if (!L) { free(b); return NULL; }
    lua_atpanic(L, panic);
    lua_setwarnf(L, warnf, &warn_state);
    return L;
}

void b24lua_set_memory_limit(lua_State *L, size_t bytes) { budget_of(L)->limit = bytes; }
size_t b24lua_memory_used(lua_State *L) { return budget_of(L)->used; }

/* ---- Swift functions behind a trampoline ---- */

static const char *BOX_META = "b24lua.SwiftFunction";

static int box_gc(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, 1);
    if (slot && *slot && swift_release) {
        swift_release(*slot);
        *slot = NULL;
    }
    return 0;
}

/* The only way Lua enters Swift: the Swift body returns instead of jumping, and the error,
   if any, is raised here where no Swift frame is live. */
static int trampoline(lua_State *L) {
    void **slot = (void **)lua_touserdata(L, lua_upvalueindex(1));
    Budget *b = budget_of(L);
    int saved = b->enforce;
    b->enforce = 0;
    int n = swift_dispatch(L, slot ? *slot : NULL);
    b->enforce = saved;
    if (n == B24LUA_RAISE_WHERE) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (n < 0) return lua_error(L);
    if (saved && b->limit && b->used > b->limit) {
        lua_settop(L, 0);
        lua_pushliteral(L, "not enough memory");
        return lua_error(L);
    }
    return n;
}

void b24lua_push_swift_function(lua_State *L, void *box) {
    void **slot = (void **)lua_newuserdatauv(L, sizeof(void *), 0);
    *slot = box;
    if (luaL_newmetatable(L, BOX_META)) {
        lua_pushcfunction(L, box_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushliteral(L, "protected");
        lua_setfield(L, -2, "__metatable");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, trampoline, 1);
}

/* ---- protected calls ---- */

static int msghandler(lua_State *L) {
    if (lua_type(L, 1) == LUA_TSTRING || lua_type(L, 1) == LUA_TNUMBER) {
        luaL_traceback(L, L, lua_tostring(L, 1), 1);
        return 1;
    }
    if (luaL_getmetafield(L, 1, "__tostring") != LUA_TNIL) {
        lua_pop(L, 1);
        if (lua_type(L, 1) == LUA_TTABLE) {
            lua_pushliteral(L, "traceback");
            if (lua_rawget(L, 1) == LUA_TNIL) {
                lua_pop(L, 1);
                luaL_traceback(L, L, NULL, 1);
                lua_pushliteral(L, "traceback");
                lua_insert(L, -2);
                lua_rawset(L, 1);
            } else {
                lua_pop(L, 1);
            }
        }
        lua_settop(L, 1);
        return 1;  /* keep the object: the host renders it through __tostring */
    }
    const char *msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int b24lua_pcall_traced(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    Budget *b = budget_of(L);
    int saved = b->enforce;
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    b->enforce = 1;
    int status = lua_pcall(L, nargs, nresults, base);
    b->enforce = saved;
    lua_remove(L, base);
    return status;
}

static int do_tostring(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int b24lua_tostring_protected(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, do_tostring);
    lua_pushvalue(L, idx);
    return lua_pcall(L, 1, 1, 0);
}

static int do_gettable(lua_State *L) {
    lua_gettable(L, 1);
    return 1;
}

int b24lua_gettable_protected(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, do_gettable);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -3);   /* the key */
    int status = lua_pcall(L, 2, 1, 0);
    lua_remove(L, -2);      /* drop the key */
    return status;
}

static int do_settable(lua_State *L) {
    lua_settable(L, 1);
    return 0;
}

int b24lua_settable_protected(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, do_settable);
    lua_pushvalue(L, idx);
    lua_pushvalue(L, -4);   /* key */
    lua_pushvalue(L, -4);   /* value */
    int status = lua_pcall(L, 3, 0, 0);
    if (status == LUA_OK) {
        lua_pop(L, 2);
    } else {
        lua_remove(L, -2);
        lua_remove(L, -2);  /* leave only the error */
    }
    return status;
}

static int do_openlibs(lua_State *L) {
    luaL_openlibs(L);
    return 0;
}

int b24lua_openlibs_protected(lua_State *L) {
    lua_pushcfunction(L, do_openlibs);
    return lua_pcall(L, 0, 0, 0);
}

typedef struct { lua_State *L1; const char *msg; int level; } TracebackArgs;

static int do_traceback(lua_State *L) {
    TracebackArgs *a = (TracebackArgs *)lua_touserdata(L, 1);
    luaL_traceback(L, a->L1, a->msg, a->level);
    return 1;
}

int b24lua_traceback_protected(lua_State *L, lua_State *L1, const char *msg, int level) {
    TracebackArgs a = { L1, msg, level };
    lua_pushcfunction(L, do_traceback);
    lua_pushlightuserdata(L, &a);
    return lua_pcall(L, 1, 1, 0);
}

/* ---- Ctrl-C and --timeout ----
   As lua.c does, the signal handler only sets a hook, and Lua raises the error itself at its
   next instruction. Unlike lua.c, a light count hook stays on for the whole run: coroutines
   inherit the hook of the thread that creates them, so code running inside a coroutine (every
   b24.each item) is stopped too, at most a thousand instructions later. */

static lua_State *volatile sigint_state = NULL;
static volatile sig_atomic_t sigint_seen = 0;
static volatile sig_atomic_t stop_pending = 0;
static const char *volatile stop_message = "interrupted!";
static struct sigaction previous_action;
static int handler_installed = 0;

#define WATCH_COUNT 1000

/* The stop stays pending until the host clears it: a pcall (or b24.each catching an item's
   error) must not swallow it, so Lua code keeps failing until control is back in the host. */
static void watch_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (!stop_pending) return;
    lua_sethook(L, watch_hook, LUA_MASKCOUNT, WATCH_COUNT);
    luaL_error(L, "%s", stop_message);
}

static void request_stop(lua_State *L, const char *message) {
    stop_message = message;
    stop_pending = 1;
    /* React at the very next event on this thread; other threads see it at their count. */
    lua_sethook(L, watch_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKLINE | LUA_MASKCOUNT, 1);
}

void b24lua_request_interrupt(lua_State *L) { request_stop(L, "interrupted!"); }
void b24lua_request_timeout(lua_State *L) { request_stop(L, "timeout: the script ran past its --timeout"); }

static void on_sigint(int sig) {
    (void)sig;
    sigint_seen = 1;
    lua_State *L = sigint_state;
    if (L) b24lua_request_interrupt(L);
}

void b24lua_sigint_install(lua_State *L) {
    sigint_state = L;
    lua_sethook(L, watch_hook, LUA_MASKCOUNT, WATCH_COUNT);
    if (handler_installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_action);
    /* A parent may hand us SIGINT blocked (some process launchers do); Ctrl-C must work. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    handler_installed = 1;
}

void b24lua_sigint_restore(void) {
    if (handler_installed) sigaction(SIGINT, &previous_action, NULL);
    handler_installed = 0;
    sigint_state = NULL;
}

int b24lua_interrupted(void) { return sigint_seen; }
int b24lua_stop_pending(void) { return stop_pending; }

void b24lua_clear_interrupted(void) {
    sigint_seen = 0;
    stop_pending = 0;
    lua_State *L = sigint_state;
    if (L) lua_sethook(L, watch_hook, LUA_MASKCOUNT, WATCH_COUNT);
}
