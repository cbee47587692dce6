package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

type signinFlags struct {
	burst, checks int
	pictor        string
}

// runSignin measures the resident memory of `pictor serve` under a burst of
// parallel wrong-password sign-ins (argon2id needs 64 MiB per check), in
// three shapes, each against a fresh server: one address guessing one
// account, one address guessing many accounts, and many addresses (behind
// a trusted proxy) guessing one account.
func runSignin(args []string) error {
	var o signinFlags
	fs := flag.NewFlagSet("signin", flag.ExitOnError)
	fs.IntVar(&o.burst, "burst", 60, "parallel sign-in POSTs")
	fs.IntVar(&o.checks, "checks", 0, "[web] max_password_checks (0: the default)")
	fs.StringVar(&o.pictor, "pictor", "", "pictor binary (default: go build ./cmd/pictor)")
	fs.Parse(args)
	dir, err := os.MkdirTemp("", "pictor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if o.pictor, err = pictorBinary(o.pictor, dir); err != nil {
		return err
	}
	shapes := []struct {
		name     string
		username func(i int) string
		from     func(i int) string
	}{
		{"one address, one account", func(int) string { return "root" }, nil},
		{"one address, many accounts", func(i int) string { return fmt.Sprintf("user%d", i) }, nil},
		{"many addresses, one account", func(int) string { return "root" },
			func(i int) string { return fmt.Sprintf("203.0.%d.%d", i/250, 1+i%250) }},
	}
	for i, sh := range shapes {
		if err := signinBurst(filepath.Join(dir, strconv.Itoa(i)), o, sh.name, sh.username, sh.from); err != nil {
			return err
		}
	}
	return nil
}

var benchCSRF = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func signinBurst(dir string, o signinFlags, name string, username, from func(int) string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	os.MkdirAll(dir, 0o700)
	cfg := filepath.Join(dir, "pictor.toml")
	body := fmt.Sprintf("host = %q\nscheme = \"http\"\nlisten = %q\ndata_dir = %q\nlog_level = \"error\"\n"+
		"trusted_proxies = [\"127.0.0.1/32\"]\n", addr, addr, filepath.Join(dir, "data"))
	if o.checks > 0 {
		body += fmt.Sprintf("[web]\nmax_password_checks = %d\n", o.checks)
	}
	os.WriteFile(cfg, []byte(body), 0o600)
	if out, err := exec.Command(o.pictor, "user", "create", "root", "--config", cfg).CombinedOutput(); err != nil {
		return fmt.Errorf("user create: %v: %s", err, out)
	}
	cmd := exec.Command(o.pictor, "serve", "--config", cfg)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	if err := waitUp(base); err != nil {
		return err
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: 2 * time.Minute,
		Transport:     &http.Transport{MaxIdleConnsPerHost: o.burst, MaxConnsPerHost: o.burst},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/signin")
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := benchCSRF.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("no CSRF token on /signin")
	}
	idle := procStatusKB(cmd.Process.Pid, "VmRSS")
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < o.burst; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"csrf_token": {string(m[1])}, "username": {username(i)}, "password": {fmt.Sprintf("guess %d", i)}}
			req, _ := http.NewRequest(http.MethodPost, base+"/signin", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", base)
			if from != nil {
				req.Header.Set("X-Forwarded-For", from(i))
			}
			code := 0
			if resp, err := client.Do(req); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			mu.Lock()
			statuses[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	peak := procStatusKB(cmd.Process.Pid, "VmHWM")
	var parts []string
	for _, c := range sortedKeys(statuses) {
		parts = append(parts, fmt.Sprintf("%d×%d", statuses[c], c))
	}
	fmt.Printf("signin, %s: %d parallel wrong passwords in %v: %s (401: checked, 429: refused)\n",
		name, o.burst, elapsed.Round(time.Millisecond), strings.Join(parts, ", "))
	fmt.Printf("  resident memory of pictor serve: %d MB before, %d MB peak (VmHWM)\n", idle/1024, peak/1024)
	return nil
}
