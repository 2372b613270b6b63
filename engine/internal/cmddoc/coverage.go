package cmddoc

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
)

const oraclePath = `"github.com/cachee/cachee/internal/oracle"`

// differentialCommands returns the commands (and "cmd|sub" subcommands)
// that the differential tests in dirs send: every test file importing the
// oracle is read, and each string literal is taken as a command line
// ("set k v"; "@approx=1 ttl k" in a diffCase script; "S: @3 lpush l a" in a
// multi-connection one), as are the leading string arguments of a call
// joined (p.Do("CLIENT", "LIST")).
func differentialCommands(dirs []string, impl map[string]*command) (map[string]bool, error) {
	var files []string
	for _, dir := range dirs {
		fs, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
		if err != nil {
			return nil, err
		}
		files = append(files, fs...)
	}
	tested := map[string]bool{}
	note := func(line string) {
		f := strings.Fields(strings.ToLower(line))
		if len(f) > 0 && len(f[0]) == 2 && f[0][1] == ':' {
			f = f[1:] // the connection of a multi-connection script
		}
		for len(f) > 0 && strings.HasPrefix(f[0], "@") {
			f = f[1:]
		}
		if len(f) == 0 || impl[f[0]] == nil {
			return
		}
		tested[f[0]] = true
		if len(f) > 1 {
			tested[f[0]+"|"+f[1]] = true
		}
	}
	fset := token.NewFileSet()
	for _, path := range files {
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		differential := false
		for _, im := range file.Imports {
			differential = differential || im.Path.Value == oraclePath
		}
		if !differential {
			continue
		}
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if s, ok := stringLit(n); ok {
					note(s)
				}
			case *ast.CallExpr:
				var words []string
				for _, a := range n.Args {
					s, ok := stringLit(a)
					if !ok {
						break
					}
					words = append(words, s)
				}
				note(strings.Join(words, " "))
			}
			return true
		})
	}
	return tested, nil
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}
