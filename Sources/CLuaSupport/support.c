#include "CLuaSupport.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
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

/* ---- allocator with a limit ----
   The limit bites only while Lua code runs (under the host's protected calls), never while a
   Swift body runs: a refused allocation raises, and a raise must not jump over Swift frames.
   So that no Lua code runs outside the limit, the collector is held while Swift code runs:
   finalizers (Lua code) then only run from Lua code, inside the limit.
   The hold is taken lazily, by the first call of a Swift body that may step the collector
   (b24lua_hold_collector: creating a string, table, userdata or closure). Stopping and
   restarting the collector is not free: a restart sets the collector's debt to zero, so the
   next allocation pays a whole incremental step. A Swift body that only reads its arguments
   and pushes numbers or booleans (most b24 calls) never stops it (docs/lua-host.md). */

typedef struct {
    size_t used;
    size_t limit;    /* 0: unlimited */
    int enforce;     /* 1 while Lua code runs */
    int in_swift;    /* 1 while a Swift body (or the host, outside Lua code) runs */
    int gc_held;     /* the host stopped the collector while Swift code runs */
} Budget;

typedef struct { int enforce; int in_swift; int gc_held; } Mode;

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

/* Lua code is about to run: the limit applies and the collector runs. */
static Mode enter_lua(lua_State *L) {
    Budget *b = budget_of(L);
    Mode saved = { b->enforce, b->in_swift, b->gc_held };
    b->enforce = 1;
    b->in_swift = 0;
    if (b->gc_held) {
        b->gc_held = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    return saved;
}

/* Swift code is about to run: nothing may fail to allocate, and no finalizer may run (the
   collector is stopped by b24lua_hold_collector before anything could step it). */
static Mode enter_swift(lua_State *L) {
    Budget *b = budget_of(L);
    Mode saved = { b->enforce, b->in_swift, b->gc_held };
    b->enforce = 0;
    b->in_swift = 1;
    return saved;
}

static void hold(lua_State *L, Budget *b) {
    /* lua_gc answers -1 inside a finalizer, where the collector cannot run anyway. */
    if (lua_gc(L, LUA_GCISRUNNING) == 1 && lua_gc(L, LUA_GCSTOP) == 0) b->gc_held = 1;
}

void b24lua_hold_collector(lua_State *L) {
    Budget *b = budget_of(L);
    if (b->in_swift && !b->gc_held) hold(L, b);
}

static void restore_mode(lua_State *L, Mode saved) {
    Budget *b = budget_of(L);
    if (saved.gc_held && !b->gc_held) {
        hold(L, b);
    } else if (!saved.gc_held && b->gc_held && !saved.in_swift) {
        /* back to Lua code; a Swift caller keeps a hold its callee took until it returns */
        b->gc_held = 0;
        lua_gc(L, LUA_GCRESTART);
    }
    b->enforce = saved.enforce;
    b->in_swift = saved.in_swift;
}

/* Every call from the host into Lua code goes through here: inside the limit, collector on. */
static int pcall_as_lua(lua_State *L, int nargs, int nresults, int msgh) {
    Mode saved = enter_lua(L);
    int status = lua_pcall(L, nargs, nresults, msgh);
    restore_mode(L, saved);
    return status;
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
    (void)enter_swift(L);  /* the host holds the state until it runs Lua code */
    return L;
}

void b24lua_close(lua_State *L) {
    Budget *b = budget_of(L);
    (void)enter_lua(L);  /* the finalizers lua_close runs are Lua code: inside the limit */
    lua_close(L);
    free(b);
}

void b24lua_set_memory_limit(lua_State *L, size_t bytes) { budget_of(L)->limit = bytes; }
size_t b24lua_memory_used(lua_State *L) { return budget_of(L)->used; }
size_t b24lua_memory_limit(lua_State *L) { return budget_of(L)->limit; }

/* ---- Swift functions behind a trampoline ---- */

static const char *BOX_META = "b24lua.SwiftFunction";

/* Also reachable from Lua (debug.getmetatable), with any value: only our boxes are released. */
static int box_gc(lua_State *L) {
    void **slot = (void **)luaL_testudata(L, 1, BOX_META);
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
    if (!slot || !*slot) return luaL_error(L, "this function's Swift body was released");
    Mode saved = enter_swift(L);
    int n = swift_dispatch(L, slot ? *slot : NULL);
    restore_mode(L, saved);
    Budget *b = budget_of(L);
    if (n == B24LUA_RAISE_WHERE) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        return lua_error(L);
    }
    if (n < 0) return lua_error(L);
    if (saved.enforce && b->limit && b->used > b->limit) {
        lua_settop(L, 0);
        lua_pushliteral(L, "not enough memory");
        return lua_error(L);
    }
    return n;
}

void b24lua_push_swift_function(lua_State *L, void *box) {
    b24lua_hold_collector(L);
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
    lua_pushcfunction(L, msghandler);
    lua_insert(L, base);
    int status = pcall_as_lua(L, nargs, nresults, base);
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
    return pcall_as_lua(L, 1, 1, 0);
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
    int status = pcall_as_lua(L, 2, 1, 0);
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
    int status = pcall_as_lua(L, 3, 0, 0);
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
    return pcall_as_lua(L, 0, 0, 0);
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
    return pcall_as_lua(L, 1, 1, 0);
}

/* ---- Ctrl-C and --timeout ----
   As lua.c does, a stop only sets a hook, and Lua raises the error itself at its next
   instruction; no hook is installed while no stop is pending, so debug.gethook() answers as
   in lua(1). Unlike lua.c:
   - the hook is set on every thread in the chain of coroutines being resumed (coroutine.resume
     and coroutine.wrap are replaced by versions that keep that chain), so code running inside
     a coroutine (every b24.each item) stops too;
   - the stop stays pending until the host clears it, with a count hook of 1, so neither pcall
     nor an xpcall handler nor a script's own debug.sethook can swallow it;
   - both stops are delivered as signals to the Lua thread, so a blocking read is interrupted;
   - a watchdog thread ends the process when a stop is not honoured within the grace period
     (a finalizer, a long C call such as a pattern match): hooks cannot reach those. */

enum { STOP_NONE = 0, STOP_INTERRUPT = 1, STOP_TIMEOUT = 2 };

#define CHAIN_MAX 256
#define GRACE_NS (2ull * 1000000000ull)

static lua_State *volatile main_state = NULL;
static lua_State *volatile chain[CHAIN_MAX];   /* coroutines being resumed, innermost last */
static volatile sig_atomic_t chain_len = 0;
static volatile sig_atomic_t stop_kind = STOP_NONE;
static volatile sig_atomic_t stop_generation = 0;
static volatile sig_atomic_t timeout_fired = 0;
static volatile unsigned long long deadline_ns = 0;   /* 0: no --timeout */
static volatile unsigned long long timeout_fired_ns = 0;

/* The main thread's own hook (a script's debug.sethook), put back when the stop is cleared. */
static lua_Hook saved_hook = NULL;
static int saved_mask = 0, saved_count = 0;

static pthread_t lua_thread;
static int handlers_installed = 0;
static struct sigaction previous_sigint, previous_sigalrm;

static unsigned long long monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static const char *message_of(int kind) {
    return kind == STOP_TIMEOUT ? "timeout: the script ran past its --timeout" : "interrupted!";
}

static void stop_hook(lua_State *L, lua_Debug *ar);

static void disarm(lua_State *L) {
    if (L == main_state) {
        lua_sethook(L, saved_hook, saved_mask, saved_count);
        saved_hook = NULL;
        saved_mask = saved_count = 0;
    } else {
        lua_sethook(L, NULL, 0, 0);
    }
}

/* Raises the pending stop at every instruction until the host clears it. */
static void stop_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    int kind = stop_kind;
    if (kind == STOP_NONE) { disarm(L); return; }  /* armed by a stop already cleared */
    luaL_error(L, "%s", message_of(kind));
}

static void arm(lua_State *L) {
    if (!L) return;
    if (L == main_state && lua_gethook(L) != stop_hook) {
        saved_hook = lua_gethook(L);
        saved_mask = lua_gethookmask(L);
        saved_count = lua_gethookcount(L);
    }
    lua_sethook(L, stop_hook, LUA_MASKCOUNT, 1);
}

/* Runs on the Lua thread (from a signal handler) or, failing that, anywhere: lua_sethook is
   the one Lua function meant to be called asynchronously. */
static void request_stop(int kind) {
    if (stop_kind == STOP_NONE || kind == STOP_TIMEOUT) stop_kind = kind;
    stop_generation++;
    arm(main_state);
    int n = chain_len;
    for (int i = 0; i < n && i < CHAIN_MAX; i++) arm(chain[i]);
}

static void on_signal(int sig) {
    int saved_errno = errno;
    if (main_state && !pthread_equal(pthread_self(), lua_thread)) {
        /* Process signals may land on any thread; the hook belongs on the Lua thread. */
        if (pthread_kill(lua_thread, sig) == 0) { errno = saved_errno; return; }
    }
    request_stop(sig == SIGALRM ? STOP_TIMEOUT : STOP_INTERRUPT);
    errno = saved_errno;
}

static void die_unhonoured(int kind) {
    const char *msg = kind == STOP_TIMEOUT
        ? "b24lua: timeout: the script did not stop within the grace period; ending the process\n"
        : "b24lua: interrupted: the script did not stop within the grace period; ending the process\n";
    ssize_t ignored = write(STDERR_FILENO, msg, strlen(msg));
    (void)ignored;
    _exit(kind == STOP_TIMEOUT ? B24LUA_EXIT_TIMEOUT : B24LUA_EXIT_INTERRUPTED);
}

/* Fires --timeout at its deadline, and ends the process when a stop is not honoured. */
static void *watchdog_main(void *arg) {
    (void)arg;
    int seen_generation = -1;
    unsigned long long since = 0;
    for (;;) {
        struct timespec pause = { 0, 20 * 1000 * 1000 };
        nanosleep(&pause, NULL);
        unsigned long long now = monotonic_ns();
        unsigned long long deadline = deadline_ns;
        if (deadline && now >= deadline && !timeout_fired) {
            timeout_fired = 1;
            timeout_fired_ns = now;
            if (!main_state || pthread_kill(lua_thread, SIGALRM) != 0) request_stop(STOP_TIMEOUT);
        }
        /* After a timeout the process has the grace period to end, honoured or not: a
           finalizer run while the state closes is Lua code no hook can stop. */
        if (timeout_fired && now - timeout_fired_ns >= GRACE_NS) die_unhonoured(STOP_TIMEOUT);
        int kind = stop_kind;
        if (kind == STOP_NONE) { seen_generation = -1; continue; }
        if (stop_generation != seen_generation) {
            seen_generation = stop_generation;
            since = now;
        } else if (now - since >= GRACE_NS) {
            die_unhonoured(kind);
        }
    }
    return NULL;
}

static void start_watchdog(void) {
    static int started = 0;
    if (started) return;
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The watchdog must not take the signals meant for the Lua thread. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    if (pthread_create(&t, &attr, watchdog_main, NULL) == 0) started = 1;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&attr);
}

void b24lua_stops_install(lua_State *L) {
    main_state = L;
    lua_thread = pthread_self();
    start_watchdog();
    if (handlers_installed) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;   /* no SA_RESTART: a blocking read returns, and Lua stops */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &previous_sigint);
    sigaction(SIGALRM, &sa, &previous_sigalrm);
    /* A parent may hand us SIGINT blocked (some process launchers do); Ctrl-C must work. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
    handlers_installed = 1;
}

void b24lua_stops_uninstall(void) {
    if (handlers_installed) {
        sigaction(SIGINT, &previous_sigint, NULL);
        sigaction(SIGALRM, &previous_sigalrm, NULL);
    }
    handlers_installed = 0;
    main_state = NULL;
}

void b24lua_stop_after(double seconds) {
    unsigned long long ns = (unsigned long long)(seconds * 1e9);
    deadline_ns = monotonic_ns() + (ns ? ns : 1);
}

void b24lua_request_interrupt(void) { request_stop(STOP_INTERRUPT); }
int b24lua_stop_kind(void) { return stop_kind; }
const char *b24lua_stop_message(void) { return stop_kind == STOP_NONE ? NULL : message_of(stop_kind); }

void b24lua_stop_clear(void) {
    stop_kind = STOP_NONE;
    lua_State *L = main_state;
    if (L && lua_gethook(L) == stop_hook) disarm(L);
    int n = chain_len;
    for (int i = 0; i < n && i < CHAIN_MAX; i++) {
        if (chain[i] && lua_gethook(chain[i]) == stop_hook) disarm(chain[i]);
    }
}

/* ---- coroutine.resume and coroutine.wrap that keep the chain of running coroutines ---- */

/* Moves `narg` arguments to `co`, resumes it as the innermost link of the chain, and moves
   its results (or its error) back; returns the result count, or -1 with the error on top. */
static int resume_linked(lua_State *L, lua_State *co, int narg) {
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    int depth = chain_len;
    if (depth < CHAIN_MAX) {
        chain[depth] = co;
        chain_len = depth + 1;
    }
    if (stop_kind != STOP_NONE) arm(co);  /* a stop that came before this link existed */
    int nres = 0;
    int status = lua_resume(co, L, narg, &nres);
    if (depth < CHAIN_MAX) chain_len = depth;
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, nres);
        return nres;
    }
    lua_xmove(co, L, 1);
    return -1;
}

static int linked_resume(lua_State *L) {
    lua_State *co = lua_tothread(L, 1);
    luaL_argexpected(L, co, 1, "coroutine");
    int r = resume_linked(L, co, lua_gettop(L) - 1);
    if (r < 0) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -(r + 1));
    return r + 1;
}

static int linked_wrap_call(lua_State *L) {
    lua_State *co = lua_tothread(L, lua_upvalueindex(1));
    int r = resume_linked(L, co, lua_gettop(L));
    if (r >= 0) return r;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {  /* the coroutine itself failed */
        status = lua_resetthread(co);               /* close its to-be-closed variables */
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

static int linked_wrap(lua_State *L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State *co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, linked_wrap_call, 1);
    return 1;
}

static int do_link_coroutines(lua_State *L) {
    if (lua_getglobal(L, "coroutine") != LUA_TTABLE) return 0;
    lua_pushcfunction(L, linked_resume);
    lua_setfield(L, -2, "resume");
    lua_pushcfunction(L, linked_wrap);
    lua_setfield(L, -2, "wrap");
    return 0;
}

int b24lua_link_coroutines_protected(lua_State *L) {
    lua_pushcfunction(L, do_link_coroutines);
    return pcall_as_lua(L, 0, 0, 0);
}
