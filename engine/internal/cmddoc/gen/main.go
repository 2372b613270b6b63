// Command gen writes the command reference (docs/commands.md) from the
// engine's command table; see package cmddoc.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/cachee/cachee/engine/internal/cmddoc"
)

func main() {
	out := flag.String("out", "docs/commands.md", "file to write")
	engineDir := flag.String("engine", "", "the engine package's directory (default: found from the module root)")
	flag.Parse()
	dir := *engineDir
	if dir == "" {
		var err error
		if dir, err = cmddoc.EngineDir(); err != nil {
			fail(err)
		}
	}
	md, err := cmddoc.Markdown(dir)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(*out, md, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "cmddoc:", err)
	os.Exit(1)
}
