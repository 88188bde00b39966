// Command pama-load drives teams of simulated members against a running Pama
// server over real WebSockets and the REST API, and prints one JSON object
// with what it measured.
//
// It sets up its own accounts and teams through the public API: every account
// signs in with the emailed-code flow, reading its code from the server's
// outbox directory (-outbox, the server's <data>/outbox when it runs without
// SMTP); the first member of each team creates it with a first product and
// invites the others, who accept; the first member creates the item the
// scenario edits. The server must allow that many sign-ins from one address:
// start it with high rate limits (PAMA_RATE_IP, PAMA_RATE_ACCOUNT,
// PAMA_RATE_TEAM), as `make bench-realtime` does.
//
// Scenario refinement, per team: one member types into the item's description
// at 5 drafts a second and commits it through the REST API every 5 seconds;
// every 10 seconds the team plays a poker-like round (a start signal, one vote
// per member, a reveal; ephemeral room signals until the ceremony API exists);
// between rounds one member leaves the room and comes back.
//
// Scenarios poker, retro and daily run a real ceremony room per team
// through the room API (docs/ceremonies.md): poker plays rounds of
// estimation (a round opened, every member voting within 1.5 s, the last vote
// revealing, an accepted value, one member leaving and coming back); retro
// runs start/stop/continue retrospectives (two notes a member, done, three
// votes each, results), one after another in new rooms; daily calls the next
// speaker every 2–4 s, with blockers. Every action must reach every member as
// a room event; room_fanout_p99_ms is measured from the start of the action's
// request, so it includes the API call.
//
// Output fields: teams, clients, duration_s; events_sent (drafts, signals and
// commits sent); deliveries_expected (each sent event times the clients that
// should get it); events_received (deliveries that arrived); events_lost
// (expected deliveries that had not arrived when none had come for 3 s after
// the run, waiting at most 60 s); errors;
// fanout_p50_ms and fanout_p99_ms (from sending an event, or starting the
// commit request, to each delivery; also per kind: draft_, signal_ and
// commit_fanout_p99_ms); api_p50_ms and api_p99_ms (the REST
// commits); server_rss_mb (peak resident memory of -pid), server_cpu_pct and
// loadgen_cpu_pct (of one core, during the run).
//
// The generator shares the machine with the server it measures, and its own
// garbage collection delays the deliveries it timestamps. Unless GOGC is set,
// it collects less often (GOGC=400): it trades memory, of which a load
// machine has plenty, for fewer of its own pauses in the figures.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	url       string
	outbox    string
	scenario  string
	teams     int
	members   int
	duration  time.Duration
	pid       int
	run       string
	setupConc int
	connConc  int
	protocol  string
	profile   *os.File // the generator's CPU profile of the scenario, when asked for
}

// result is the one JSON object pama-load prints.
type result struct {
	Scenario           string   `json:"scenario"`
	Protocol           string   `json:"protocol"`
	Teams              int      `json:"teams"`
	Clients            int      `json:"clients"`
	DurationS          float64  `json:"duration_s"`
	EventsSent         int64    `json:"events_sent"`
	DeliveriesExpected int64    `json:"deliveries_expected"`
	EventsReceived     int64    `json:"events_received"`
	EventsLost         int64    `json:"events_lost"`
	Errors             int64    `json:"errors"`
	FanoutP50MS        float64  `json:"fanout_p50_ms"`
	FanoutP99MS        float64  `json:"fanout_p99_ms"`
	DraftP99MS         float64  `json:"draft_fanout_p99_ms"`
	SignalP99MS        float64  `json:"signal_fanout_p99_ms"`
	CommitP99MS        float64  `json:"commit_fanout_p99_ms"`
	RoomP99MS          float64  `json:"room_fanout_p99_ms,omitempty"`
	APIP50MS           float64  `json:"api_p50_ms"`
	APIP99MS           float64  `json:"api_p99_ms"`
	Commits            int64    `json:"commits"`
	Conflicts          int64    `json:"conflicts"`
	ServerRSSMB        float64  `json:"server_rss_mb,omitempty"`
	ServerCPUPct       float64  `json:"server_cpu_pct,omitempty"`
	IdleConnKB         float64  `json:"idle_conn_kb,omitempty"`
	LoadgenCPUPct      float64  `json:"loadgen_cpu_pct"`
	SetupS             float64  `json:"setup_s"`
	EditTarget         string   `json:"edit_target"`
	ErrorSample        []string `json:"error_sample,omitempty"`
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pama-load: "+format+"\n", args...)
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	flag.StringVar(&o.outbox, "outbox", "./pama-data/outbox", "the server's outbox directory, where sign-in codes are written")
	flag.StringVar(&o.scenario, "scenario", "refinement", "scenario to run: refinement, poker, retro, daily or idle")
	flag.IntVar(&o.teams, "teams", 10, "number of teams")
	flag.IntVar(&o.members, "members", 8, "members per team (at least 3)")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long the scenario runs")
	flag.IntVar(&o.pid, "pid", 0, "the server's process id, to report its peak RSS and CPU")
	flag.StringVar(&o.run, "run", "", "a name for this run's accounts and teams (default: random)")
	flag.IntVar(&o.setupConc, "setup-concurrency", 16, "parallel requests while setting up")
	flag.IntVar(&o.connConc, "connect-concurrency", 32, "teams connecting at once")
	flag.StringVar(&o.protocol, "protocol", "protobuf", "client framing: protobuf (cheaper for the generator) or json (as browsers)")
	cpuProfile := flag.String("cpuprofile", "", "write the generator's own CPU profile of the scenario (not the setup) to this file")
	flag.Parse()
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fail("%v", err)
		}
		o.profile = f
	}
	if _, ok := ceremonyKinds[o.scenario]; !ok && o.scenario != "refinement" && o.scenario != "idle" {
		fail("unknown scenario %q (known: refinement, poker, retro, daily, idle)", o.scenario)
	}
	if o.protocol != "json" && o.protocol != "protobuf" {
		fail("-protocol must be json or protobuf")
	}
	if o.teams < 1 || o.members < 3 || o.duration <= 0 {
		fail("need -teams ≥ 1, -members ≥ 3 and a positive -duration")
	}
	if o.run == "" {
		var b [3]byte
		rand.Read(b[:])
		o.run = hex.EncodeToString(b[:])
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := run(ctx, o)
	if err != nil {
		fail("%v", err)
	}
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
}

func fail(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}

func run(ctx context.Context, o options) (*result, error) {
	tr := &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, IdleConnTimeout: time.Minute}
	began := time.Now()
	setups, err := setup(ctx, o, tr)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	trk := newTracker(len(setups))
	teams := make([]*team, len(setups))
	for i, s := range setups {
		teams[i] = &team{idx: i, setup: s, tr: trk}
	}
	if _, ok := ceremonyKinds[o.scenario]; ok {
		logf("setup: opening %d %s rooms", len(setups), o.scenario)
		if err := parallel(len(setups), o.setupConc, func(i int) error { return openRoom(ctx, setups[i], o.scenario) }); err != nil {
			return nil, fmt.Errorf("open rooms: %w", err)
		}
	}
	rssBefore := rssMB(o.pid, "VmRSS:")
	logf("setup: connecting %d clients", o.teams*o.members)
	if err := parallel(len(teams), o.connConc, func(i int) error { return teams[i].connect(o) }); err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	defer func() {
		for _, t := range teams {
			t.close()
		}
	}()
	setupS := time.Since(began).Seconds()
	if o.scenario == "idle" {
		return idle(o, trk, teams, rssBefore, setupS)
	}
	logf("running %s for %s", o.scenario, o.duration)
	if o.profile != nil {
		// Profile the scenario only, not the setup before it.
		pprof.StartCPUProfile(o.profile)
		defer pprof.StopCPUProfile()
	}
	cpu0, _ := procCPU(o.pid)
	self0 := selfCPU()
	start := time.Now()
	rctx, cancel := context.WithTimeout(ctx, o.duration)
	done := make(chan struct{})
	go func() {
		parallel(len(teams), len(teams), func(i int) error {
			if _, ok := ceremonyKinds[o.scenario]; ok {
				teams[i].runCeremony(rctx, o.scenario)
			} else {
				teams[i].run(rctx)
			}
			return nil
		})
		close(done)
	}()
	<-done
	cancel()
	elapsed := time.Since(start)
	cpu1, _ := procCPU(o.pid)
	self1 := selfCPU()
	// Wait for deliveries still in flight: until none arrives for drainFor
	// (at most drainMax). What has not arrived then is lost.
	logf("draining")
	last, quiet := trk.recv.Load(), time.Now()
	for drainStart := time.Now(); time.Since(quiet) < drainFor && time.Since(drainStart) < drainMax; {
		time.Sleep(100 * time.Millisecond)
		if n := trk.recv.Load(); n != last {
			last, quiet = n, time.Now()
		}
	}

	expected, lost := trk.lost()
	res := &result{
		Scenario: o.scenario, Protocol: o.protocol, Teams: o.teams, Clients: o.teams * o.members,
		DurationS:          round(elapsed.Seconds(), 1),
		EventsSent:         trk.sent.Load(),
		DeliveriesExpected: expected,
		EventsReceived:     trk.recv.Load(),
		EventsLost:         lost,
		Errors:             trk.errs.Load(),
		Commits:            trk.commits.Load(),
		Conflicts:          trk.clashes.Load(),
		SetupS:             round(setupS, 1),
		EditTarget:         setups[0].targetKind,
		ErrorSample:        trk.errSample,
	}
	all := trk.fanout(0)
	res.FanoutP50MS, res.FanoutP99MS = percentile(all, 50), percentile(all, 99)
	res.DraftP99MS, res.SignalP99MS = percentile(trk.fanout('d'), 99), percentile(trk.fanout('s'), 99)
	res.CommitP99MS = percentile(trk.fanout('e'), 99)
	res.RoomP99MS = percentile(trk.fanout('r'), 99)
	trk.lmu.Lock()
	res.APIP50MS, res.APIP99MS = percentile(trk.api, 50), percentile(trk.api, 99)
	trk.lmu.Unlock()
	if o.pid > 0 {
		res.ServerRSSMB = peakRSSMB(o.pid)
		res.ServerCPUPct = round(100*(cpu1-cpu0)/elapsed.Seconds(), 1)
	}
	res.LoadgenCPUPct = round(100*(self1-self0)/elapsed.Seconds(), 1)
	return res, nil
}

// idle holds the connections open without traffic for the duration and
// reports the server's memory per connection (resident memory after
// connecting, less before, over the connections).
func idle(o options, trk *tracker, teams []*team, rssBefore, setupS float64) (*result, error) {
	logf("holding %d idle connections for %s", o.teams*o.members, o.duration)
	time.Sleep(o.duration)
	rssAfter := rssMB(o.pid, "VmRSS:")
	res := &result{
		Scenario: o.scenario, Protocol: o.protocol, Teams: o.teams, Clients: o.teams * o.members, DurationS: o.duration.Seconds(),
		Errors: trk.errs.Load(), SetupS: round(setupS, 1), EditTarget: teams[0].setup.targetKind,
		ServerRSSMB: peakRSSMB(o.pid), ErrorSample: trk.errSample,
	}
	if o.pid > 0 {
		res.IdleConnKB = round((rssAfter-rssBefore)*1024/float64(o.teams*o.members), 1)
	}
	return res, nil
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

func percentile(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return round(s[max(i, 0)], 2)
}

// clockTicks is the kernel's USER_HZ, 100 on Linux.
const clockTicks = 100

// procCPU returns the CPU seconds (user + system) pid has used.
func procCPU(pid int) (float64, error) {
	if pid <= 0 {
		return 0, nil
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses.
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / clockTicks, nil
}

func selfCPU() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// peakRSSMB returns pid's peak resident set (VmHWM) in MiB.
func peakRSSMB(pid int) float64 { return rssMB(pid, "VmHWM:") }

// rssMB returns a memory figure of pid's /proc status in MiB.
func rssMB(pid int, field string) float64 {
	if pid <= 0 {
		return 0
	}
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return round(kb/1024, 1)
		}
	}
	return 0
}
