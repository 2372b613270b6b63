package cmdspec

import (
	"fmt"
	"testing"
)

func TestScratch(t *testing.T) {
	fmt.Println(len(All()), RedisVersion())
	for _, n := range []string{"get", "sort", "migrate", "xread", "eval", "client|kill", "memory|usage", "spublish", "debug", "module|load", "set"} {
		s := Lookup(n)
		fmt.Printf("%s %d %v %v hasKeys=%v use=%v proc=%d\n", s.Name, s.Arity, s.Flags, s.ACLCategories, s.hasKeys, s.useSpecs, s.proc)
		for _, k := range s.KeySpecs {
			fmt.Printf("   %+v\n", k)
		}
	}
	for _, s := range All() {
		for _, k := range s.KeySpecs {
			if k.FindKeys == FindKeysKeyNum || k.BeginSearch == BeginSearchUnknown || k.FindKeys == FindKeysUnknown {
				fmt.Println("special", s.Name, k.Flags)
			}
		}
		for _, sub := range s.Subcommands {
			for _, k := range sub.KeySpecs {
				fmt.Printf("sub %s %+v\n", sub.Name, k)
			}
		}
	}
}
