// netdelay adds delay and loss to the packets between twin zones, as `tc netem` would on the
// links between them. This kernel has no netem, so it does it with netfilter: in each zone
// namespace it is given, one nftables rule per source network sends the packets that arrive on
// the zone's link (eth0) from that network to a netfilter queue (the xt NFQUEUE target through
// nft_compat: the native `queue` expression may be missing), and this process holds each packet
// there for the delay before it accepts it, or drops it with the loss probability.
//
// Packets are held where they arrive, not where they leave: a packet held on its way out still
// counts against its sender's socket, and TCP's small-queue limit then throttles the sender far
// below what a long link allows. Held on arrival, the sender sees only a longer wire.
//
// It prints one "ready" line once every rule is in place, and on SIGTERM, SIGINT or when
// --seconds have passed releases every packet it still holds, removes its rules, and prints its
// counts as one JSON line. The rules carry the queue's bypass flag: if this process dies by
// SIGKILL, packets pass undelayed, and the rules go with their namespace.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"net"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	nfqueue "github.com/florianl/go-nfqueue"
	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
	"github.com/mdlayher/netlink"
)

// version is set by the build (-X main.version=...) to the source's digest.
var version = "dev"

// tableName is the nftables table this tool owns inside each namespace.
const tableName = "terratower_latency"

// site is one namespace and the networks whose packets it delays on arrival.
type site struct {
	netns string
	from  []*net.IPNet
}

type sites []site

func (s *sites) String() string { return fmt.Sprint(*s) }

// Set parses `/run/netns/NAME=CIDR[,CIDR...]`.
func (s *sites) Set(v string) error {
	path, list, ok := strings.Cut(v, "=")
	if !ok || path == "" || list == "" {
		return fmt.Errorf("%q: give NETNS_PATH=CIDR[,CIDR...]", v)
	}
	st := site{netns: path}
	for _, c := range strings.Split(list, ",") {
		_, n, err := net.ParseCIDR(c)
		if err != nil || n.IP.To4() == nil {
			return fmt.Errorf("%q: %q is not an IPv4 CIDR", v, c)
		}
		st.from = append(st.from, n)
	}
	*s = append(*s, st)
	return nil
}

type options struct {
	delay    time.Duration
	loss     float64
	duration time.Duration
	iface    string
	queue    uint16
	at       sites
}

func parseOptions() options {
	var at sites
	delayMs := flag.Float64("delay-ms", 0, "added one-way delay, milliseconds (0 to 60000)")
	lossPercent := flag.Float64("loss-percent", 0, "percent of packets dropped (0 to 100)")
	seconds := flag.Float64("seconds", 0, "how long the fault lasts, seconds (more than 0, at most 86400)")
	iface := flag.String("interface", "eth0", "the link packets arrive on in each namespace")
	queue := flag.Uint("queue", 0, "netfilter queue number in each namespace (0 to 65535)")
	flag.Var(&at, "at", "NETNS_PATH=CIDR[,CIDR...]: delay packets from these networks arriving in this namespace (repeat per namespace)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("netdelay", version)
		os.Exit(0)
	}
	fail := func(msg string) {
		fmt.Fprintf(os.Stderr, "netdelay: %s\n", msg)
		os.Exit(2)
	}
	switch {
	case !(*delayMs >= 0 && *delayMs <= 60000):
		fail(fmt.Sprintf("--delay-ms %v: use 0 to 60000", *delayMs))
	case !(*lossPercent >= 0 && *lossPercent <= 100):
		fail(fmt.Sprintf("--loss-percent %v: use 0 to 100", *lossPercent))
	case !(*seconds > 0 && *seconds <= 86400):
		fail(fmt.Sprintf("--seconds %v: use more than 0, at most 86400", *seconds))
	case *queue > 65535:
		fail(fmt.Sprintf("--queue %d: use 0 to 65535", *queue))
	case len(*iface) == 0 || len(*iface) > 15:
		fail(fmt.Sprintf("--interface %q: give a link name of 1 to 15 characters", *iface))
	case len(at) == 0:
		fail("give at least one --at NETNS_PATH=CIDR[,CIDR...]")
	}
	return options{
		delay:    time.Duration(*delayMs * float64(time.Millisecond)),
		loss:     *lossPercent / 100,
		duration: time.Duration(*seconds * float64(time.Second)),
		iface:    *iface,
		queue:    uint16(*queue),
		at:       at,
	}
}

// ifname is an interface name as the kernel compares it: NUL-padded to IFNAMSIZ.
func ifname(name string) []byte {
	b := make([]byte, 16)
	copy(b, name)
	return b
}

// nfqueueTargetInfo is struct xt_NFQ_info_v3 {u16 queuenum; u16 queues_total; u16 flags}, padded
// to XT_ALIGN (8 bytes), in host byte order; flag 0x01 is NFQ_FLAG_BYPASS.
func nfqueueTargetInfo(queue uint16) []byte {
	b := make([]byte, 8)
	binary.NativeEndian.PutUint16(b[0:], queue)
	binary.NativeEndian.PutUint16(b[2:], 1)
	binary.NativeEndian.PutUint16(b[4:], 0x01)
	return b
}

// installRules creates the table, an input chain, and one rule per source network that queues
// packets arriving on the link from it.
func installRules(c *nftables.Conn, o options, from []*net.IPNet) error {
	removeTable(c) // a table left by a process that died by SIGKILL
	table := c.AddTable(&nftables.Table{Family: nftables.TableFamilyIPv4, Name: tableName})
	policy := nftables.ChainPolicyAccept
	chain := c.AddChain(&nftables.Chain{
		Name:     "ingress",
		Table:    table,
		Type:     nftables.ChainTypeFilter,
		Hooknum:  nftables.ChainHookInput,
		Priority: nftables.ChainPriorityFilter,
		Policy:   &policy,
	})
	for _, n := range from {
		info := xt.Unknown(nfqueueTargetInfo(o.queue))
		c.AddRule(&nftables.Rule{
			Table: table,
			Chain: chain,
			Exprs: []expr.Any{
				&expr.Meta{Key: expr.MetaKeyIIFNAME, Register: 1},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: ifname(o.iface)},
				// ip saddr & mask == network
				&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
				&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4, Mask: []byte(n.Mask), Xor: []byte{0, 0, 0, 0}},
				&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte(n.IP.To4())},
				&expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info},
			},
		})
	}
	return c.Flush()
}

// removeTable deletes this tool's table if it is there.
func removeTable(c *nftables.Conn) {
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyIPv4)
	if err != nil {
		return
	}
	for _, t := range tables {
		if t.Name == tableName {
			c.DelTable(t)
			_ = c.Flush()
		}
	}
}

type held struct {
	id  uint32
	due time.Time
}

type totals struct {
	queued, dropped, delayed, undelayed atomic.Uint64
}

// delayer holds one namespace's queue.
type delayer struct {
	site     site
	fd       int
	rules    *nftables.Conn
	queue    *nfqueue.Nfqueue
	pending  chan held
	released chan struct{}
	lastID   atomic.Uint32
	flushing atomic.Bool   // ending: let everything through at once
	flushed  chan struct{} // closed when flushing starts, to wake the release loop
	stopping atomic.Bool
	cancel   context.CancelFunc
	readErr  atomic.Value
}

func start(o options, s site, t *totals, random func() float64) (*delayer, error) {
	fd, err := syscall.Open(s.netns, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open namespace %s: %w", s.netns, err)
	}
	d := &delayer{
		site:     s,
		fd:       fd,
		pending:  make(chan held, 1<<16),
		released: make(chan struct{}),
		flushed:  make(chan struct{}),
	}
	d.queue, err = nfqueue.Open(&nfqueue.Config{
		NetNS:        fd,
		NfQueue:      o.queue,
		MaxQueueLen:  1 << 16,
		MaxPacketLen: 0,
		// Packet metadata only: the verdict needs the id, never the bytes. No GSO flag, so the
		// kernel hands over packets as on the wire and the loss applies per packet.
		Copymode:     nfqueue.NfQnlCopyMeta,
		AfFamily:     syscall.AF_INET,
		WriteTimeout: 5 * time.Second,
	})
	if err != nil {
		return nil, fmt.Errorf("open netfilter queue in %s: %w", s.netns, err)
	}
	// A burst larger than the socket buffer must not end the read loop.
	_ = d.queue.SetOption(netlink.NoENOBUFS, true)
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	hook := func(a nfqueue.Attribute) int {
		if a.PacketID == nil {
			return 0
		}
		id := *a.PacketID
		t.queued.Add(1)
		d.lastID.Store(id)
		if d.flushing.Load() {
			t.undelayed.Add(1)
			_ = d.queue.SetVerdict(id, nfqueue.NfAccept)
			return 0
		}
		if o.loss > 0 && random() < o.loss {
			t.dropped.Add(1)
			_ = d.queue.SetVerdict(id, nfqueue.NfDrop)
			return 0
		}
		d.pending <- held{id: id, due: time.Now().Add(o.delay)}
		return 0
	}
	onError := func(e error) int {
		if ctx.Err() != nil {
			return 1
		}
		if d.stopping.Load() {
			return 0 // the final batch verdict's answer for ids already decided
		}
		if opError, ok := e.(*netlink.OpError); ok && (opError.Timeout() || opError.Temporary()) {
			return 0
		}
		d.readErr.Store(e.Error())
		return 0
	}
	if err := d.queue.RegisterWithErrorFunc(ctx, hook, onError); err != nil {
		return nil, fmt.Errorf("bind netfilter queue in %s: %w", s.netns, err)
	}
	// Every packet gets the same delay, so they come due in the order they came in: one goroutine
	// releases them in order, each with its own verdict once its time has come.
	go func() {
		defer close(d.released)
		for h := range d.pending {
			if wait := time.Until(h.due); wait > 0 {
				select {
				case <-time.After(wait):
				case <-d.flushed:
				}
			}
			t.delayed.Add(1)
			_ = d.queue.SetVerdict(h.id, nfqueue.NfAccept)
		}
	}()
	d.rules, err = nftables.New(nftables.WithNetNSFd(fd))
	if err == nil {
		err = installRules(d.rules, o, s.from)
	}
	if err != nil {
		return d, fmt.Errorf("install the nftables rules in %s (the kernel needs nf_tables, nft_compat and xt_NFQUEUE): %w", s.netns, err)
	}
	return d, nil
}

// stop lets every held packet go at once, then removes the rules. In that order: the kernel
// drops whatever is still queued when a hook's rules go away.
func (d *delayer) stop() {
	d.flushing.Store(true)
	close(d.flushed)
	for deadline := time.Now().Add(2 * time.Second); len(d.pending) > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	d.stopping.Store(true)
	if d.rules != nil {
		removeTable(d.rules)
	}
	time.Sleep(20 * time.Millisecond)
	if d.queue != nil {
		if id := d.lastID.Load(); id != 0 {
			_ = d.queue.SetVerdictBatch(id, nfqueue.NfAccept)
		}
		d.cancel()
		_ = d.queue.Close()
	}
	close(d.pending)
	<-d.released
	_ = syscall.Close(d.fd)
}

type report struct {
	Queued     uint64   `json:"queued"`
	Dropped    uint64   `json:"dropped"`
	Delayed    uint64   `json:"delayed"`
	Undelayed  uint64   `json:"undelayed"` // came in while it was ending, let through at once
	DelayMs    float64  `json:"delayMs"`
	Loss       float64  `json:"lossPercent"`
	RanMs      int64    `json:"ranMs"`
	ReadErrors []string `json:"readErrors,omitempty"`
}

func main() {
	o := parseOptions()
	started := time.Now()
	var t totals
	var mu sync.Mutex
	rng := rand.New(rand.NewSource(time.Now().UnixNano()))
	random := func() float64 {
		mu.Lock()
		defer mu.Unlock()
		return rng.Float64()
	}
	var running []*delayer
	stopAll := func() {
		for _, d := range running {
			d.stop()
		}
	}
	for _, s := range o.at {
		d, err := start(o, s, &t, random)
		if d != nil {
			running = append(running, d)
		}
		if err != nil {
			stopAll()
			fmt.Fprintf(os.Stderr, "netdelay: %v\n", err)
			os.Exit(1)
		}
	}
	fmt.Println("ready")

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-stop:
	case <-time.After(o.duration):
	}
	stopAll()

	r := report{
		Queued:    t.queued.Load(),
		Dropped:   t.dropped.Load(),
		Delayed:   t.delayed.Load(),
		Undelayed: t.undelayed.Load(),
		DelayMs:   float64(o.delay) / float64(time.Millisecond),
		Loss:      o.loss * 100,
		RanMs:     time.Since(started).Milliseconds(),
	}
	for _, d := range running {
		if e, ok := d.readErr.Load().(string); ok {
			r.ReadErrors = append(r.ReadErrors, d.site.netns+": "+e)
		}
	}
	line, _ := json.Marshal(r)
	fmt.Println(string(line))
}
