package main_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// buildPama builds the binary once per benchmark run.
func buildPama(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "pama")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func freePort(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe starts pama serve and returns once /readyz answers 200, with
// the time that took.
func startServe(b *testing.B, bin, data string) (*exec.Cmd, string, time.Duration) {
	b.Helper()
	addr := freePort(b)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--log-level", "warn")
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd, addr, time.Since(start)
			}
		}
		if time.Since(start) > 10*time.Second {
			cmd.Process.Kill()
			b.Fatal("pama did not become ready in 10s")
		}
		time.Sleep(200 * time.Microsecond)
	}
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
}

func percentile(d []time.Duration, p float64) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// rssKB reads a process's resident set size.
func rssKB(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

// BenchmarkColdStart measures `pama serve` from exec to a 200 from /readyz
// on an existing data dir, and the idle resident memory after start.
func BenchmarkColdStart(b *testing.B) {
	bin := buildPama(b)
	data := b.TempDir()
	cmd, _, _ := startServe(b, bin, data) // first start creates and migrates the data dir
	stop(cmd)
	var times []time.Duration
	var rss []int
	b.ResetTimer()
	for range b.N {
		cmd, _, d := startServe(b, bin, data)
		times = append(times, d)
		b.StopTimer()
		time.Sleep(500 * time.Millisecond) // idle
		rss = append(rss, rssKB(cmd.Process.Pid))
		stop(cmd)
		b.StartTimer()
	}
	b.ReportMetric(float64(percentile(times, 0.5).Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(percentile(times, 0.99).Microseconds())/1000, "p99_ms")
	slices.Sort(rss)
	b.ReportMetric(float64(rss[len(rss)/2])/1024, "idle_rss_MB")
}

// signInOver signs email in against a running server, reading the code from
// the outbox in data, and returns a client with its session.
func signInOver(b *testing.B, base, data, email string) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	post := func(path, body string) *http.Response {
		resp, err := c.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		return resp
	}
	resp := post("/api/v1/auth/code", `{"email":"`+email+`"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b.Fatalf("code for %s: %d", email, resp.StatusCode)
	}
	files, _ := filepath.Glob(filepath.Join(data, "outbox", "*.eml"))
	var code string
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if strings.Contains(string(raw), "To: "+email+"\r\n") {
			if m := regexp.MustCompile(`code is (\d{6})`).FindStringSubmatch(string(raw)); m != nil {
				code = m[1]
			}
		}
	}
	resp = post("/api/v1/auth/sign-in", `{"email":"`+email+`","code":"`+code+`"}`)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("sign in %s: %d", email, resp.StatusCode)
	}
	return c
}

// metric reads one unlabelled value from /metrics.
func metric(b *testing.B, base, name string) float64 {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	b.Fatalf("no metric %s", name)
	return 0
}

// BenchmarkTeamSpaces creates PAMA_BENCH_TEAMS team spaces (default 10,000)
// through the API of a real `pama serve` on SQLite, reporting the latency of
// each creation, and the resident memory each idle space costs once every
// team file has been closed again.
func BenchmarkTeamSpaces(b *testing.B) {
	n := 10_000
	if v, err := strconv.Atoi(os.Getenv("PAMA_BENCH_TEAMS")); err == nil && v > 0 {
		n = v
	}
	bin := buildPama(b)
	data := b.TempDir()
	addr := freePort(b)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", data, "--log-level", "warn",
		"--team-idle", "1s", "--rate-ip", "100000", "--rate-account", "100000", "--rate-team", "100000")
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer stop(cmd)
	base := "http://" + addr
	for {
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		time.Sleep(time.Millisecond)
	}
	const perAccount = 50 // the default limit of spaces one account may create
	clients := make([]*http.Client, (n+perAccount-1)/perAccount)
	for i := range clients {
		clients[i] = signInOver(b, base, data, fmt.Sprintf("owner%d@bench.test", i))
	}
	time.Sleep(2 * time.Second)
	before := rssKB(cmd.Process.Pid)

	b.ResetTimer()
	times := make([]time.Duration, 0, n)
	for i := range n {
		body := fmt.Sprintf(`{"name":"Team %d","slug":"team-%d","first_product":{"key":"APP","name":"App"}}`, i, i)
		start := time.Now()
		resp, err := clients[i/perAccount].Post(base+"/api/v1/teams", "application/json", strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		times = append(times, time.Since(start))
		if resp.StatusCode != http.StatusCreated {
			b.Fatalf("create team %d: %d", i, resp.StatusCode)
		}
	}
	b.StopTimer()
	deadline := time.Now().Add(time.Minute)
	for metric(b, base, "pama_team_dbs_open") > 0 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(2 * time.Second)
	after := rssKB(cmd.Process.Pid)
	b.ReportMetric(float64(percentile(times, 0.5).Microseconds())/1000, "create_p50_ms")
	b.ReportMetric(float64(percentile(times, 0.99).Microseconds())/1000, "create_p99_ms")
	b.ReportMetric(float64(after-before)/float64(n), "idle_KB/space")
	b.ReportMetric(float64(after)/1024, "rss_MB")
	b.ReportMetric(float64(n), "spaces")
}
