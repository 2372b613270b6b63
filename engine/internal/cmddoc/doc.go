// Package cmddoc generates docs/commands.md, the command reference, from
// the two sources of truth: the engine's command table (what cachee
// implements, asked through COMMAND LIST and COMMAND DOCS like any client
// would) and Redis 7.0's specification in engine/internal/cmdspec (what
// Redis has that cachee does not). Per command it prints the syntax rendered
// from COMMAND DOCS' argument tree, Redis's summary, whether a differential
// test (engine/*_test.go, against a real redis-server) sends it, and the
// known differences from Redis written in notes.go: the one place to record
// them.
//
// Regenerate after changing the table or the notes:
//
//	go generate ./engine/internal/cmddoc   (or: make docs)
//
// TestCommandsMarkdownIsCurrent fails while docs/commands.md differs from
// what the generator would write.
package cmddoc

//go:generate go run ./gen -out ../../../docs/commands.md
