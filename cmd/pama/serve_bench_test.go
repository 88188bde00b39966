package main_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
