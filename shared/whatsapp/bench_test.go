package whatsapp_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.mau.fi/whatsmeow"
	"go.mau.fi/whatsmeow/proto/waE2E"
	"go.mau.fi/whatsmeow/store/sqlstore"
	"go.mau.fi/whatsmeow/types/events"
	waLog "go.mau.fi/whatsmeow/util/log"
	"google.golang.org/protobuf/proto"

	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/message"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
	"github.com/waqtor/waqtor/shared/whatsapp"
)

// benchWait bounds every wait of the benchmarks.
const benchWait = 30 * time.Second

// pairAdapter pairs a fresh adapter client by QR with a new phone of srv and waits until it is ready.
func pairAdapter(b *testing.B, devs session.Devices, srv *wasim.Server, number string) session.Client {
	b.Helper()
	ctx := context.Background()
	cli, err := devs.New(ctx)
	if err != nil {
		b.Fatal(err)
	}
	ready := make(chan struct{}, 1)
	cli.SetHandler(func(_ context.Context, e session.Event) error {
		if s, ok := e.(session.StatusChanged); ok && s.Status == session.Ready {
			select {
			case ready <- struct{}{}:
			default:
			}
		}
		return nil
	})
	updates, err := cli.LoginQR(ctx)
	if err != nil {
		b.Fatal(err)
	}
	u := <-updates
	if u.QR == "" {
		b.Fatalf("first login update %+v, want a QR code", u)
	}
	if _, err := srv.Phone(number).Scan(u.QR); err != nil {
		b.Fatal(err)
	}
	for u := range updates {
		if u.Err != nil {
			b.Fatal(u.Err)
		}
	}
	select {
	case <-ready:
	case <-time.After(benchWait):
		b.Fatal("client not ready")
	}
	return cli
}

// rssBytes is the process's resident set size (Linux).
func rssBytes(b *testing.B) int64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc/self/status: %v", err)
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	b.Fatal("VmRSS not found")
	return 0
}

func settledRSS(b *testing.B) int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return rssBytes(b)
}

// BenchmarkIdleSessionMemory pairs 50 sessions on the fake server and reports how much the process's resident
// memory grew per paired, connected, idle session. The fake server runs in the same process, so its own state for
// each device (keys, prekeys, the connection) is included: the figure is an upper bound for the host.
func BenchmarkIdleSessionMemory(b *testing.B) {
	const sessions = 50
	for range b.N {
		srv := wasim.New(b)
		devs, err := whatsapp.Open(context.Background(), whatsapp.Options{DSN: filepath.Join(b.TempDir(), "wa.db"), HTTPClient: srv.HTTPClient()})
		if err != nil {
			b.Fatal(err)
		}
		warm := pairAdapter(b, devs, srv, "966500009999") // first-use allocations (protobuf registries, pools)
		before := settledRSS(b)
		clients := make([]session.Client, 0, sessions)
		for i := range sessions {
			clients = append(clients, pairAdapter(b, devs, srv, fmt.Sprintf("9665000%05d", i)))
		}
		after := settledRSS(b)
		perSession := float64(after-before) / sessions / (1 << 20)
		b.ReportMetric(perSession, "MB/session")
		b.ReportMetric(float64(after)/(1<<20), "MB_rss_total")
		b.Logf("RSS %0.1f MB with 1 session, %0.1f MB with %d: %.2f MB per idle session", float64(before)/(1<<20),
			float64(after)/(1<<20), sessions+1, perSession)
		for _, c := range clients {
			c.Disconnect()
		}
		warm.Disconnect()
		devs.Close()
	}
}

// BenchmarkSendThroughput sends the same text messages to one contact two ways on the same fake server and
// reports both rates and their ratio:
//   - direct: whatsmeow's SendMessage called in a loop (the floor any WhatsApp API pays);
//   - full path: what POST /api/messages/send-text sets off in standalone — validate, store as pending, enqueue
//     on the durable FIFO queue; the session host receives it, loads the message, sends it with the adapter,
//     records "sent" and publishes message.sent — measured until every message is recorded as sent.
//
// Both are sequential per session (WhatsApp serialises a client's sends; the queue is FIFO per session).
func BenchmarkSendThroughput(b *testing.B) {
	const n = 300
	ctx := context.Background()
	srv := wasim.New(b)
	contact := srv.Phone("966500000101")

	// Direct.
	container, err := sqlstore.New(ctx, "sqlite", "file:"+filepath.Join(b.TempDir(), "direct.db")+
		"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate", waLog.Noop)
	if err != nil {
		b.Fatal(err)
	}
	cli := whatsmeow.NewClient(container.NewDevice(), waLog.Noop)
	srv.Configure(cli)
	connected := make(chan struct{}, 1)
	cli.AddEventHandler(func(e any) {
		if _, ok := e.(*events.Connected); ok {
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	})
	qr, err := cli.GetQRChannel(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if err := cli.Connect(); err != nil {
		b.Fatal(err)
	}
	first := <-qr
	if _, err := srv.Phone("966500000001").Scan(first.Code); err != nil {
		b.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(benchWait):
		b.Fatal("direct client did not connect")
	}
	defer cli.Disconnect()

	// Full path: the standalone assembly, in process.
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "waqtor.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		b.Fatal(err)
	}
	defer q.Close()
	rt, err := eventbus.New(q, nil, eventbus.Options{})
	if err != nil {
		b.Fatal(err)
	}
	files, err := localdisk.NewMediaStore(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	devs, err := whatsapp.Open(ctx, whatsapp.Options{DSN: filepath.Join(b.TempDir(), "wa.db"), HTTPClient: srv.HTTPClient()})
	if err != nil {
		b.Fatal(err)
	}
	defer devs.Close()
	sessions, messages := sqlite.NewSessionStore(db), sqlite.NewMessageStore(db)
	host, err := sessionrunner.New(sessionrunner.Config{Sessions: sessions, Messages: messages, Devices: devs, Events: rt,
		Queue: q, Files: files})
	if err != nil {
		b.Fatal(err)
	}
	rt.HandleQueue(session.SendsQueue, host.HandleSend, eventbus.Concurrency(4))
	rt.HandleQueue(session.ControlQueue, host.HandleControl)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go rt.Run(runCtx)
	go host.Run(runCtx)
	sessSvc := &session.Service{Store: sessions, Queue: q, Now: time.Now}
	msgSvc := &message.Service{Messages: messages, Sessions: sessions, Queue: q, Files: files, Now: time.Now}
	const tenant = "ten_bench"
	sess, err := sessSvc.Create(ctx, tenant, "bench")
	if err != nil {
		b.Fatal(err)
	}
	testkit.Until(b, benchWait, "a QR code", func() bool {
		s, err := sessions.GetSession(ctx, tenant, sess.ID)
		return err == nil && s.QR != ""
	})
	s, _ := sessions.GetSession(ctx, tenant, sess.ID)
	if _, err := srv.Phone("966500000002").Scan(s.QR); err != nil {
		b.Fatal(err)
	}
	testkit.Until(b, benchWait, "the session to be ready", func() bool {
		s, err := sessions.GetSession(ctx, tenant, sess.ID)
		return err == nil && s.Status == session.Ready
	})

	for range b.N {
		start := time.Now()
		for i := range n {
			if _, err := cli.SendMessage(ctx, contact.JID(), &waE2E.Message{Conversation: proto.String(fmt.Sprintf("direct %d", i))}); err != nil {
				b.Fatal(err)
			}
		}
		direct := float64(n) / time.Since(start).Seconds()

		start = time.Now()
		ids := make([]string, n)
		for i := range n {
			m, err := msgSvc.Send(ctx, tenant, message.Request{SessionID: sess.ID, ChatID: contact.JID().User,
				Out: session.Outgoing{Text: fmt.Sprintf("full %d", i)}})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = m.ID
		}
		testkit.Until(b, benchWait, "every message to be sent", func() bool {
			m, err := messages.GetSessionMessage(ctx, tenant, sess.ID, ids[n-1])
			return err == nil && m.Status != message.Pending
		})
		full := float64(n) / time.Since(start).Seconds()
		for _, id := range ids {
			if m, err := messages.GetSessionMessage(ctx, tenant, sess.ID, id); err != nil || m.Status == message.Pending || m.Status == message.Failed {
				b.Fatalf("message %s: %+v %v", id, m.Status, err)
			}
		}
		b.ReportMetric(direct, "direct_sends/s")
		b.ReportMetric(full, "full_path_sends/s")
		b.ReportMetric(full/direct, "ratio")
		b.Logf("%d sends: direct SendMessage %.0f/s, full path %.0f/s, ratio %.2f", n, direct, full, full/direct)
	}
}
