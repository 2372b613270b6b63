package engine

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// The ACL file: one "user <name> <rules>" line per user, Redis's format,
// read by ACL LOAD (and LoadACLFile at start) and written by ACL SAVE.

// errNoACLFile is ACL LOAD's and ACL SAVE's reply without an ACL file.
const errNoACLFile = "ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration."

// LoadACLFile replaces the users with those of Config.ACLFile, as ACL LOAD
// does; call it at start, as Redis loads its aclfile. A file with any error
// changes nothing, and the error lists every problem as Redis words them.
func (e *Engine) LoadACLFile() error {
	old, msg := e.loadACLFile()
	if msg != "" {
		return errors.New(msg)
	}
	for _, u := range old {
		u.set(denyAll)
	}
	return nil
}

// loadACLFile is ACLLoadFromFile: every line is checked, and only when all
// are valid do the file's users replace the current ones. The default user
// keeps its identity (sessions point to it) and takes the file's rules, or
// the built-in ones when the file has no default user. It returns the
// replaced users, whose sessions must be disconnected, or the error text.
func (e *Engine) loadACLFile() (old []*aclUser, errText string) {
	name := e.conf().ACLFile
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, "Error loading ACLs, opening file '" + name + "': " + strerror(err)
	}
	pubsubAll := e.conf().ACLPubsubDefault == "allchannels"
	defs := map[string]*userDef{}
	var errs strings.Builder
	for i, line := range strings.Split(string(data), "\n") {
		at := name + ":" + strconv.Itoa(i+1)
		line = strings.Trim(cstr(line), " \t\r\n")
		if line == "" {
			continue
		}
		argv := strings.Split(line, " ")
		switch {
		case argv[0] != "user" || len(argv) < 2:
			errs.WriteString(at + " should start with user keyword followed by the username. ")
			continue
		case hasSpaces(argv[1]):
			errs.WriteString("'" + at + ": username '" + cstr(argv[1]) + "' contains invalid characters. ")
			continue
		case defs[argv[1]] != nil:
			errs.WriteString("WARNING: Duplicate user '" + cstr(argv[1]) + "' found on line " + strconv.Itoa(i+1) + ". ")
			continue
		}
		d := newUserDef(pubsubAll)
		defs[argv[1]] = d
		rules, open := mergeSelectorArgs(argv[2:])
		if open >= 0 {
			errs.WriteString(at + ": Unmatched parenthesis in selector definition.")
		}
		reported := false
		for _, r := range rules {
			r = strings.Trim(r, "\t\r\n")
			switch err := d.apply(r, pubsubAll); {
			case err == aclErrUnknown:
				errs.WriteString(at + ": Error in applying operation '" + cstr(r) + "': " + err.String() + ". ")
			case err != aclRuleOK && !reported:
				// Other errors may quote a password: only the first is told.
				errs.WriteString(at + ": " + err.String() + ". ")
				reported = true
			}
		}
	}
	if errs.Len() > 0 {
		return nil, errs.String() + "WARNING: ACL errors detected, no change to the previously active ACL rules was performed"
	}
	a := &e.acl
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, u := range a.users {
		if u != a.dflt {
			old = append(old, u)
		}
	}
	users := map[string]*aclUser{"default": a.dflt}
	for n, d := range defs {
		if n != "default" {
			u := &aclUser{name: n}
			u.set(d)
			users[n] = u
		}
	}
	if d := defs["default"]; d != nil {
		a.dflt.set(d)
	} else {
		a.dflt.set(defaultUserDef())
	}
	a.users = users
	return old, ""
}

// strerror is C's strerror for a file error (glibc's words for the common
// ones: Go's are the same in lower case).
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}

// saveACLFile is ACLSaveToFile: every user as a rule line, by name, written
// to a temporary file renamed over the ACL file.
func (e *Engine) saveACLFile() error {
	var b strings.Builder
	for _, u := range e.acl.sortedUsers() {
		b.WriteString("user " + u.name + " " + u.def.Load().describe() + "\n")
	}
	name := e.conf().ACLFile
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(b.String()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
