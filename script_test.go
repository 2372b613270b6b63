package cachee_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/cachee/cachee"
)

// sha1hex is the lowercase hex SHA1 clients name scripts by.
func sha1hex(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestEval(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	v, err := db.Eval(ctx, "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])", []string{"k"}, 42)
	if err != nil || v.String() != "42" {
		t.Fatalf("Eval = %v, %v", v, err)
	}
	v, err = db.Eval(ctx, "return {1, 'two', {3}}", nil)
	if err != nil || len(v.Elems()) != 3 || v.Elems()[1].String() != "two" || v.Elems()[2].Elems()[0].String() != "3" {
		t.Fatalf("Eval table = %v, %v", v, err)
	}
	if _, err := db.Eval(ctx, "return nil", nil); !errors.Is(err, cachee.Nil) {
		t.Fatalf("Eval nil = %v", err)
	}
	var e *cachee.Error
	if _, err := db.Eval(ctx, "return redis.call('nosuch')", nil); !errors.As(err, &e) ||
		e.Msg != "ERR Unknown Redis command called from script script: 206396248e12c6e742fd7296250433c8d7343b74, on @user_script:1." {
		t.Fatalf("Eval error = %v", err)
	}
	if _, err := db.EvalRO(ctx, "return redis.call('set', 'k', 'v')", nil); !errors.As(err, &e) ||
		e.Msg[:len("ERR Write commands are not allowed from read-only scripts.")] != "ERR Write commands are not allowed from read-only scripts." {
		t.Fatalf("EvalRO write = %v", err)
	}
}

func TestEvalShaAndScriptLoad(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	s := cachee.NewScript("return ARGV[1] .. KEYS[1]")
	if _, err := db.EvalSha(ctx, s.Hash(), []string{"k"}, "a"); err == nil || err.(*cachee.Error).Prefix != "NOSCRIPT" {
		t.Fatalf("EvalSha before load = %v", err)
	}
	sha, err := db.ScriptLoad(ctx, s.Source())
	if err != nil || sha != s.Hash() || sha != sha1hex(s.Source()) {
		t.Fatalf("ScriptLoad = %q, %v", sha, err)
	}
	v, err := db.EvalSha(ctx, sha, []string{"k"}, "a")
	if err != nil || v.String() != "ak" {
		t.Fatalf("EvalSha = %v, %v", v, err)
	}
	if _, err := db.ScriptLoad(ctx, "return +"); err == nil {
		t.Fatal("ScriptLoad of a syntax error succeeded")
	}
}

// Script.Run sends EVALSHA and falls back to EVAL on NOSCRIPT, on a DB or
// on a dedicated Conn, also after SCRIPT FLUSH.
func TestScriptRun(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	s := cachee.NewScript("return redis.call('incrby', KEYS[1], ARGV[1])")
	if s.Hash() != sha1hex("return redis.call('incrby', KEYS[1], ARGV[1])") {
		t.Fatalf("Hash = %q", s.Hash())
	}
	conn := db.Conn()
	defer conn.Close()
	for i, d := range []cachee.Scripter{db, conn, db} {
		if i == 2 {
			if _, err := db.Do(ctx, "SCRIPT", "FLUSH"); err != nil {
				t.Fatal(err)
			}
		}
		v, err := s.Run(ctx, d, []string{"n"}, 5)
		if n, _ := v.Int(); err != nil || n != int64(5*(i+1)) {
			t.Fatalf("Run #%d = %v, %v", i, v, err)
		}
	}
	if err := s.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	v, err := db.Do(ctx, "SCRIPT", "EXISTS", s.Hash())
	if n, _ := v.Elems()[0].Int(); err != nil || n != 1 {
		t.Fatalf("SCRIPT EXISTS after Load = %v, %v", v, err)
	}
}

func TestFCall(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	lib := "#!lua name=counters\n" +
		"redis.register_function('bump', function(keys, args) return redis.call('incrby', keys[1], args[1]) end)\n" +
		"redis.register_function{function_name='peek', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}}"
	name, err := db.FunctionLoad(ctx, lib, false)
	if err != nil || name != "counters" {
		t.Fatalf("FunctionLoad = %q, %v", name, err)
	}
	if _, err := db.FunctionLoad(ctx, lib, false); err == nil {
		t.Fatal("loading an existing library without replace succeeded")
	}
	if _, err := db.FunctionLoad(ctx, lib, true); err != nil {
		t.Fatal(err)
	}
	v, err := db.FCall(ctx, "bump", []string{"c"}, 3)
	if n, _ := v.Int(); err != nil || n != 3 {
		t.Fatalf("FCall = %v, %v", v, err)
	}
	if v, err := db.FCallRO(ctx, "peek", []string{"c"}); err != nil || v.String() != "3" {
		t.Fatalf("FCallRO = %v, %v", v, err)
	}
	if _, err := db.FCallRO(ctx, "bump", []string{"c"}, 1); err == nil {
		t.Fatal("FCallRO of a writing function succeeded")
	}
}

func TestEvalCancelledContext(t *testing.T) {
	db := openDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Eval(ctx, "return 1", nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Eval with a cancelled context = %v", err)
	}
}
