package main

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pictor-social/pictor/config"
)

// unit is a parsed systemd unit file: section -> key -> values (a key may
// repeat).
type unit map[string]map[string][]string

func parseUnit(t *testing.T, path string) unit {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unit{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s: bad line %q", path, line)
			}
			u[section][strings.TrimSpace(k)] = append(u[section][strings.TrimSpace(k)], strings.TrimSpace(v))
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// one returns the single value of key in section.
func (u unit) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u[section][key]
	if len(v) != 1 {
		t.Fatalf("[%s] %s: %d values %q, want one", section, key, len(v), v)
	}
	return v[0]
}

// readmeSection returns the README's section that starts with heading.
func readmeSection(t *testing.T, heading string) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README has no %q", heading)
	}
	if i := strings.Index(rest, "\n## "); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func match(t *testing.T, text, pattern string) []string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("README's systemd section does not match %s", pattern)
	}
	return m
}

// TestSystemdUnitsMatchREADME checks that contrib/systemd's units use the
// user, binary, configuration, data folder and listen address the README
// tells the admin to create, that the README's configuration lines are
// valid, and that the service keeps its sandboxing.
func TestSystemdUnitsMatchREADME(t *testing.T) {
	svc := parseUnit(t, "../../contrib/systemd/pictor.service")
	sock := parseUnit(t, "../../contrib/systemd/pictor.socket")
	doc := readmeSection(t, "## Run it as a systemd service")

	user := match(t, doc, `(?m)^useradd .*--user-group.* (\S+)$`)[1]
	binary := match(t, doc, `(?m)^install -m 0755 pictor (\S+)$`)[1]
	cfgPath := match(t, doc, `(?m)^install -m 0640 -o root -g (\S+) config\.example\.toml (\S+)$`)
	data := match(t, doc, `(?m)^install -d -m 0700 -o (\S+) -g (\S+) (\S+)$`)
	units := match(t, doc, `(?m)^install -m 0644 (contrib/systemd/pictor\.service) (contrib/systemd/pictor\.socket) /etc/systemd/system/$`)
	for _, f := range units[1:] {
		if _, err := os.Stat(filepath.Join("../..", f)); err != nil {
			t.Errorf("README installs %s: %v", f, err)
		}
	}
	listen := match(t, doc, `(?m)^listen = "([^"]+)"$`)[1]
	dataDir := match(t, doc, `(?m)^data_dir = "([^"]+)"$`)[1]

	s := "Service"
	if got := svc.one(t, s, "User"); got != user {
		t.Errorf("User=%s, README creates %s", got, user)
	}
	if got := svc.one(t, s, "Group"); got != user || cfgPath[1] != user || data[1] != user || data[2] != user {
		t.Errorf("Group=%s; README: config group %s, data owner %s:%s, user %s", got, cfgPath[1], data[1], data[2], user)
	}
	if want := binary + " serve --config " + cfgPath[2]; svc.one(t, s, "ExecStart") != want {
		t.Errorf("ExecStart=%s, README installs %q", svc.one(t, s, "ExecStart"), want)
	}
	for _, key := range []string{"ReadWritePaths", "WorkingDirectory"} {
		if got := svc.one(t, s, key); got != data[3] || got != dataDir {
			t.Errorf("%s=%s; README creates %s and sets data_dir %s", key, got, data[3], dataDir)
		}
	}
	if got := sock.one(t, "Socket", "ListenStream"); got != listen {
		t.Errorf("socket ListenStream=%s, README's listen is %s", got, listen)
	}
	if !slices.Contains(svc["Unit"]["Requires"], "pictor.socket") {
		t.Error("the service does not require pictor.socket")
	}

	// The README's configuration lines are valid and say what the units use.
	tomlPath := filepath.Join(t.TempDir(), "pictor.toml")
	body := "host = \"pictor.example\"\nlisten = \"" + listen + "\"\ndata_dir = \"" + dataDir + "\"\n"
	if err := os.WriteFile(tomlPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(tomlPath)
	if err != nil || cfg.Listen != listen || cfg.DataDir != dataDir {
		t.Fatalf("README's configuration: %+v %v", cfg, err)
	}

	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"PrivateDevices": "yes", "CapabilityBoundingSet": "", "AmbientCapabilities": "", "RestrictNamespaces": "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX", "RestrictSUIDSGID": "yes", "LockPersonality": "yes",
		"MemoryDenyWriteExecute": "yes", "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes",
		"ProtectControlGroups": "yes", "SystemCallArchitectures": "native", "UMask": "0077",
	} {
		if got := svc.one(t, s, key); got != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
	if !slices.Contains(svc[s]["SystemCallFilter"], "@system-service") {
		t.Errorf("SystemCallFilter=%q lacks @system-service", svc[s]["SystemCallFilter"])
	}
}
