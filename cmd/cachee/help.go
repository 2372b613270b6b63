package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Grouped --help: each flag carries the name of its group in an annotation,
// and the usage function prints the groups in the order given, then any
// flag without a group under "Other flags" (a test keeps that group to
// --help alone, so a new flag must choose where it belongs).

const groupAnnotation = "cachee_group"

// flagGroup names a help section and the flags in it, in display order.
type flagGroup struct {
	title string
	flags []string
}

// groupFlags annotates cmd's flags with their groups and installs the
// grouped usage. It panics on a name that is not a flag, so a renamed flag
// cannot silently fall out of its group.
func groupFlags(cmd *cobra.Command, groups []flagGroup) {
	fs := cmd.Flags()
	for _, g := range groups {
		for _, name := range g.flags {
			if fs.Lookup(name) == nil {
				panic("help group " + g.title + ": no flag --" + name)
			}
			_ = fs.SetAnnotation(name, groupAnnotation, []string{g.title})
		}
	}
	cmd.SetUsageFunc(func(c *cobra.Command) error {
		_, err := fmt.Fprint(c.OutOrStderr(), groupedUsage(c, groups))
		return err
	})
}

// groupedUsage renders cobra's usage (line, aliases, examples) with the
// flags split into their groups.
func groupedUsage(c *cobra.Command, groups []flagGroup) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Usage:\n  %s\n", c.UseLine())
	if c.HasExample() {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", c.Example)
	}
	all := c.Flags()
	for _, g := range append(groups, flagGroup{title: "Other"}) {
		set := pflag.NewFlagSet(g.title, pflag.ContinueOnError)
		set.SortFlags = false
		if g.title == "Other" {
			all.VisitAll(func(f *pflag.Flag) {
				if len(f.Annotations[groupAnnotation]) == 0 {
					set.AddFlag(f)
				}
			})
		}
		for _, name := range g.flags {
			set.AddFlag(all.Lookup(name))
		}
		if set.HasFlags() {
			fmt.Fprintf(&b, "\n%s flags:\n%s", g.title, set.FlagUsages())
		}
	}
	return b.String()
}
