package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/cachee/cachee/engine"
	"github.com/spf13/cobra"
)

// version is set at link time for releases:
//
//	go build -ldflags "-X main.version=v1.2.3" ./cmd/cachee
//
// Otherwise the module version from the build information is used
// ("(devel)" for a build from a checkout, vX.Y.Z for `go install ...@vX.Y.Z`).
var version = ""

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print cachee's version, the Go toolchain and the source revision it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprint(cmd.OutOrStdout(), versionText(version, readBuildInfo()))
			return err
		},
	}
}

func readBuildInfo() *debug.BuildInfo {
	bi, _ := debug.ReadBuildInfo()
	return bi
}

// versionNumber is the link-time version, else the module's.
func versionNumber(linked string, bi *debug.BuildInfo) string {
	switch {
	case linked != "":
		return linked
	case bi != nil && bi.Main.Version != "":
		return bi.Main.Version
	}
	return "(unknown)"
}

// versionText is `cachee version`'s output: the version on the first line,
// then what it was built with and from.
func versionText(linked string, bi *debug.BuildInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "cachee %s\n", versionNumber(linked, bi))
	fmt.Fprintf(&b, "  redis compatibility: %s\n", engine.RedisVersion)
	fmt.Fprintf(&b, "  go: %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if bi == nil {
		return b.String()
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		if settings["vcs.modified"] == "true" {
			rev += " (modified)"
		}
		fmt.Fprintf(&b, "  revision: %s", rev)
		if t := settings["vcs.time"]; t != "" {
			fmt.Fprintf(&b, " of %s", t)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
