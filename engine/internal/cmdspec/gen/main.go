// Command gen captures Redis's command metadata into commands.json.
//
// It starts redis-server (from PATH) on a free loopback port with persistence
// off, switches the connection to RESP3, asks for COMMAND INFO and COMMAND DOCS
// of every command, and writes the reply trees, with their RESP3 types, as
// typed JSON (see package cmdspec's doc.go for the encoding). Run it through
// `go generate ./engine/internal/cmdspec` from the module root.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// node is one RESP3 value. kind is the RESP3 type byte: ':' integer,
// '+' simple string, '$' bulk string, '_' null, '*' array, '~' set, '%' map.
type node struct {
	kind  byte
	n     int64
	s     string
	elems []*node // maps hold k1, v1, k2, v2, ...
}

func main() {
	out := flag.String("o", "", "output file (default: commands.json of package cmdspec, found from\n"+
		"the package directory, where go generate runs, or from the module root)")
	server := flag.String("redis-server", "redis-server", "redis-server binary")
	flag.Parse()
	if *out == "" {
		for _, dir := range []string{".", "engine/internal/cmdspec"} {
			if _, err := os.Stat(filepath.Join(dir, "gen", "main.go")); err == nil {
				*out = filepath.Join(dir, "commands.json")
				break
			}
		}
		if *out == "" {
			fmt.Fprintln(os.Stderr, "cmdspec/gen: run from the module root or the cmdspec directory, or pass -o")
			os.Exit(2)
		}
	}
	if err := run(*server, *out); err != nil {
		fmt.Fprintln(os.Stderr, "cmdspec/gen:", err)
		os.Exit(1)
	}
}

func run(server, out string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	cmd := exec.Command(server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", "")
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	var conn net.Conn
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if conn, err = net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server did not start: %w", err)
		}
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	call := func(args ...string) (*node, error) {
		var b bytes.Buffer
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write(b.Bytes()); err != nil {
			return nil, err
		}
		return read(r)
	}

	hello, err := call("HELLO", "3")
	if err != nil {
		return err
	}
	version := ""
	for i := 0; hello.kind == '%' && i+1 < len(hello.elems); i += 2 {
		if hello.elems[i].s == "version" {
			version = hello.elems[i+1].s
		}
	}
	if version == "" {
		return errors.New("HELLO 3 reply has no version")
	}
	info, err := call("COMMAND", "INFO")
	if err != nil {
		return err
	}
	docs, err := call("COMMAND", "DOCS")
	if err != nil {
		return err
	}
	if info.kind != '*' || docs.kind != '%' {
		return fmt.Errorf("unexpected reply types %q / %q", info.kind, docs.kind)
	}
	docByName := map[string]*node{}
	for i := 0; i+1 < len(docs.elems); i += 2 {
		docByName[docs.elems[i].s] = docs.elems[i+1]
	}
	type entry struct {
		name       string
		info, docs *node
	}
	var entries []entry
	known := map[string]bool{}
	for _, in := range info.elems {
		if in.kind != '*' || len(in.elems) != 10 {
			return fmt.Errorf("unexpected COMMAND INFO entry %+v", in)
		}
		name := in.elems[0].s
		d := docByName[name]
		if d == nil {
			return fmt.Errorf("no COMMAND DOCS for %q", name)
		}
		delete(docByName, name)
		known[name] = true
		for _, sub := range in.elems[9].elems {
			known[sub.elems[0].s] = true
		}
		canonical(in, d)
		entries = append(entries, entry{name, in, d})
	}
	if len(docByName) != 0 {
		return fmt.Errorf("COMMAND DOCS has commands COMMAND INFO lacks: %v", docByName)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].name < entries[j].name })

	var b bytes.Buffer
	fmt.Fprintf(&b, "{\"redis_version\":%s,\n\"hidden_flags\":{", jsonString(version))
	hidden := make([]string, 0, len(hiddenFlags))
	for name := range hiddenFlags {
		hidden = append(hidden, name)
	}
	sort.Strings(hidden)
	for i, name := range hidden {
		if !known[name] {
			return fmt.Errorf("hiddenFlags names unknown command %q", name)
		}
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "%s:[", jsonString(name))
		for j, f := range hiddenFlags[name] {
			if j > 0 {
				b.WriteString(",")
			}
			b.WriteString(jsonString(f))
		}
		b.WriteString("]")
	}
	b.WriteString("},\n\"commands\":[\n")
	for i, e := range entries {
		fmt.Fprintf(&b, "{\"name\":%s,\"info\":", jsonString(e.name))
		if err := encode(&b, e.info); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		b.WriteString(",\"docs\":")
		if err := encode(&b, e.docs); err != nil {
			return fmt.Errorf("%s: %w", e.name, err)
		}
		b.WriteString("}")
		if i < len(entries)-1 {
			b.WriteString(",")
		}
		b.WriteString("\n")
	}
	b.WriteString("]}\n")
	if !json.Valid(b.Bytes()) {
		return errors.New("generated invalid JSON")
	}
	return os.WriteFile(out, b.Bytes(), 0o644)
}

// canonical sorts the subcommands of a container command by name. Redis lists
// them in the iteration order of a dict seeded randomly at startup, so the order
// differs between runs; sorting keeps regenerated output diffable.
func canonical(info, docs *node) {
	subs := info.elems[9].elems
	sort.Slice(subs, func(i, j int) bool { return subs[i].elems[0].s < subs[j].elems[0].s })
	for i := 0; i+1 < len(docs.elems); i += 2 {
		if docs.elems[i].s != "subcommands" {
			continue
		}
		m := docs.elems[i+1].elems
		idx := make([]int, len(m)/2)
		for j := range idx {
			idx[j] = 2 * j
		}
		sort.Slice(idx, func(a, b int) bool { return m[idx[a]].s < m[idx[b]].s })
		sorted := make([]*node, 0, len(m))
		for _, j := range idx {
			sorted = append(sorted, m[j], m[j+1])
		}
		docs.elems[i+1].elems = sorted
	}
}

// hiddenFlags lists command flags Redis 7.0 has but COMMAND INFO never prints
// (addReplyFlagsForCommand hides may_replicate, sentinel, only_sentinel and
// protected), so they cannot be captured from the replies. Only may_replicate and
// protected are recorded; the cmdspec tests check every entry against a live
// redis-server (may_replicate commands block under CLIENT PAUSE WRITE, protected
// ones are refused while enable-debug-command / enable-module-command are "no").
// Sentinel flags are not recorded: cachee has no Sentinel mode.
var hiddenFlags = map[string][]string{
	"eval":          {"may_replicate"},
	"evalsha":       {"may_replicate"},
	"fcall":         {"may_replicate"},
	"pfcount":       {"may_replicate"},
	"publish":       {"may_replicate"},
	"spublish":      {"may_replicate"},
	"debug":         {"protected"},
	"module|load":   {"protected"},
	"module|loadex": {"protected"},
	"module|unload": {"protected"},
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// read parses one RESP3 value (the subset COMMAND INFO/DOCS and HELLO use).
func read(r *bufio.Reader) (*node, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || !strings.HasSuffix(line, "\r\n") {
		return nil, fmt.Errorf("bad RESP line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	nd := &node{kind: kind}
	switch kind {
	case '+':
		nd.s = body
	case '-':
		return nil, fmt.Errorf("redis error: %s", body)
	case ':':
		nd.n, err = strconv.ParseInt(body, 10, 64)
	case '_':
	case '$':
		var n int
		if n, err = strconv.Atoi(body); err == nil {
			buf := make([]byte, n+2)
			if _, err = io.ReadFull(r, buf); err == nil {
				nd.s = string(buf[:n])
			}
		}
	case '*', '~', '%':
		var n int
		if n, err = strconv.Atoi(body); err != nil {
			break
		}
		if kind == '%' {
			n *= 2
		}
		nd.elems = make([]*node, 0, n)
		for i := 0; i < n && err == nil; i++ {
			var e *node
			if e, err = read(r); err == nil {
				nd.elems = append(nd.elems, e)
			}
		}
	default:
		return nil, fmt.Errorf("unsupported RESP3 type %q", kind)
	}
	return nd, err
}

// encode writes n as typed JSON: integer → number, simple string → "+text",
// bulk string → "$text", null → null, array → [...], set → {"~":[...]},
// map → {"%":[k1,v1,...]}.
func encode(b *bytes.Buffer, n *node) error {
	switch n.kind {
	case ':':
		b.WriteString(strconv.FormatInt(n.n, 10))
	case '+', '$':
		if !utf8.ValidString(n.s) {
			return fmt.Errorf("string %q is not UTF-8", n.s)
		}
		b.WriteString(jsonString(string(n.kind) + n.s))
	case '_':
		b.WriteString("null")
	case '*', '~', '%':
		if n.kind != '*' {
			fmt.Fprintf(b, "{%q:", string(n.kind))
		}
		b.WriteByte('[')
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encode(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		if n.kind != '*' {
			b.WriteByte('}')
		}
	default:
		return fmt.Errorf("cannot encode RESP3 type %q", n.kind)
	}
	return nil
}

func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}
