package cachee

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
)

// Scripting: Lua scripts (EVAL, EVALSHA) and Redis 7 functions (FCALL) run
// atomically against every other caller, in-process or over a socket, with
// the same sandbox, conversions and errors as Redis 7.0 (see package lua).

// Eval runs a Lua script with EVAL: keys become KEYS, args ARGV (rendered
// as Do renders arguments). The script is compiled once and cached by its
// SHA1, so calling Eval again with the same source costs no compilation; a
// script error comes back as *Error with Redis's text.
func (db *DB) Eval(ctx context.Context, script string, keys []string, args ...any) (Value, error) {
	return db.script(ctx, "EVAL", script, keys, args)
}

// EvalRO is Eval with EVAL_RO: the script may not write.
func (db *DB) EvalRO(ctx context.Context, script string, keys []string, args ...any) (Value, error) {
	return db.script(ctx, "EVAL_RO", script, keys, args)
}

// EvalSha runs a cached script by its SHA1 (EVALSHA). A script that is not
// in the cache answers an *Error with prefix "NOSCRIPT"; Script.Run handles
// that by falling back to Eval.
func (db *DB) EvalSha(ctx context.Context, sha1 string, keys []string, args ...any) (Value, error) {
	return db.script(ctx, "EVALSHA", sha1, keys, args)
}

// ScriptLoad compiles script into the cache without running it and returns
// its SHA1 (SCRIPT LOAD); a syntax error is an *Error.
func (db *DB) ScriptLoad(ctx context.Context, script string) (string, error) {
	v, err := db.Do(ctx, "SCRIPT", "LOAD", script)
	return v.String(), err
}

// FCall calls a function registered by a library loaded with FUNCTION LOAD.
func (db *DB) FCall(ctx context.Context, function string, keys []string, args ...any) (Value, error) {
	return db.script(ctx, "FCALL", function, keys, args)
}

// FCallRO is FCall with FCALL_RO: only functions flagged no-writes run.
func (db *DB) FCallRO(ctx context.Context, function string, keys []string, args ...any) (Value, error) {
	return db.script(ctx, "FCALL_RO", function, keys, args)
}

// FunctionLoad loads (or with replace, replaces) a library of functions
// ("#!lua name=mylib" then code calling redis.register_function) and returns
// its name.
func (db *DB) FunctionLoad(ctx context.Context, code string, replace bool) (string, error) {
	args := []any{"FUNCTION", "LOAD", code}
	if replace {
		args = []any{"FUNCTION", "LOAD", "REPLACE", code}
	}
	v, err := db.Do(ctx, args...)
	return v.String(), err
}

func (db *DB) script(ctx context.Context, cmd, target string, keys []string, args []any) (Value, error) {
	if err := ctx.Err(); err != nil {
		return Value{}, err
	}
	c := db.get()
	defer db.put(c)
	return c.script(ctx, db, cmd, target, keys, args)
}

// script builds "cmd target numkeys keys... args..." in the connection's
// buffers, without boxing the keys, and runs it.
func (c *conn) script(ctx context.Context, db *DB, cmd, target string, keys []string, args []any) (Value, error) {
	c.reset()
	c.str(cmd)
	c.str(target)
	c.int(int64(len(keys)))
	for _, k := range keys {
		c.str(k)
	}
	for _, a := range args {
		if err := c.any(a); err != nil {
			return Value{}, err
		}
	}
	return c.exec(ctx, db.e)
}

// Scripter runs commands: *DB and *Conn are Scripters, so a Script runs on
// either.
type Scripter interface {
	Do(ctx context.Context, args ...any) (Value, error)
}

// Script is a Lua script with its SHA1 computed once, as go-redis's Script:
// Run sends EVALSHA and, only when the cache does not have the script yet,
// EVAL, so the source travels once per engine.
type Script struct {
	src, sha string
}

// NewScript prepares src; nothing is sent until Load or Run.
func NewScript(src string) *Script {
	sum := sha1.Sum([]byte(src))
	return &Script{src: src, sha: hex.EncodeToString(sum[:])}
}

// Hash is the script's SHA1 in lowercase hex, the name EVALSHA takes.
func (s *Script) Hash() string { return s.sha }

// Source is the script's code.
func (s *Script) Source() string { return s.src }

// Load puts the script in d's cache (SCRIPT LOAD).
func (s *Script) Load(ctx context.Context, d Scripter) error {
	_, err := d.Do(ctx, "SCRIPT", "LOAD", s.src)
	return err
}

// Run runs the script with EVALSHA, falling back to EVAL when the engine
// answers NOSCRIPT (first use, or after SCRIPT FLUSH).
func (s *Script) Run(ctx context.Context, d Scripter, keys []string, args ...any) (Value, error) {
	if db, ok := d.(*DB); ok {
		v, err := db.EvalSha(ctx, s.sha, keys, args...)
		if isNoScript(err) {
			return db.Eval(ctx, s.src, keys, args...)
		}
		return v, err
	}
	v, err := d.Do(ctx, scriptArgs("EVALSHA", s.sha, keys, args)...)
	if isNoScript(err) {
		return d.Do(ctx, scriptArgs("EVAL", s.src, keys, args)...)
	}
	return v, err
}

func isNoScript(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Prefix == "NOSCRIPT"
}

func scriptArgs(cmd, target string, keys []string, args []any) []any {
	out := make([]any, 0, 3+len(keys)+len(args))
	out = append(out, cmd, target, len(keys))
	for _, k := range keys {
		out = append(out, k)
	}
	return append(out, args...)
}
