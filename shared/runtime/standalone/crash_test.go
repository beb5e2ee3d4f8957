package standalone_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/egress"
	"github.com/waqtor/waqtor/shared/event"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/id"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/runtime/standalone"
	"github.com/waqtor/waqtor/shared/sqlite"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/webhook"
)

// Environment of the child process of TestWebhookPipelineSurvivesKill9.
const (
	crashDBEnv     = "WAQTOR_TEST_CRASH_DB"
	crashHookEnv   = "WAQTOR_TEST_CRASH_HOOK"
	crashEventsEnv = "WAQTOR_TEST_CRASH_EVENTS"
)

func TestMain(m *testing.M) {
	if path := os.Getenv(crashDBEnv); path != "" {
		n, _ := strconv.Atoi(os.Getenv(crashEventsEnv))
		os.Exit(crashNode(path, os.Getenv(crashHookEnv), n))
	}
	os.Exit(m.Run())
}

// crashNode is the child: standalone's webhook pipeline on the database file, publishing n events from 16
// goroutines and printing the delivery ID of each event once Publish has accepted it; then it waits to be killed.
func crashNode(path, hookID string, n int) int {
	ctx := context.Background()
	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "crash node:", err)
		return 1
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return fail(err)
	}
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		return fail(err)
	}
	rt, err := eventbus.New(q, routing.Table, eventbus.Options{Wait: 100 * time.Millisecond})
	if err != nil {
		return fail(err)
	}
	allow, err := egress.ParseAllow("127.0.0.1/32")
	if err != nil {
		return fail(err)
	}
	if err := standalone.Consume(rt, standalone.ConsumerDeps(db, q, testKeyring, config.Config{WebhookAllow: allow}, nil),
		webhook.RouterQueue, webhook.DeliveriesQueue); err != nil {
		return fail(err)
	}
	go rt.Run(ctx)
	var next atomic.Int64
	var out sync.Mutex
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				e, err := event.New("waqtor.session-host", event.MessageReceived, "ten_1", time.Now(),
					map[string]any{"from": "966501234567@s.whatsapp.net", "body": fmt.Sprintf("hello %d", i), "isGroup": false})
				if err != nil {
					fail(err)
					return
				}
				if err := rt.Publish(ctx, e); err != nil {
					fail(err)
					return
				}
				out.Lock()
				fmt.Println(webhook.DeliveryID(hookID, "message_received", e.ID, e.Time))
				out.Unlock()
			}
		})
	}
	wg.Wait()
	select {} // until killed
}

// kill -9 in the middle of a stream of deliveries, then a restart: every event that Publish accepted reaches the
// receiver and is recorded delivered, and no delivery is created twice (the endpoint's sequence numbers are those
// of the deliveries, each used once). Group commit puts many pipeline steps in one transaction; a kill loses the
// transaction in progress, whose callers had not been told it committed.
func TestWebhookPipelineSurvivesKill9(t *testing.T) {
	rc := newReceiver(t, func(int, *http.Request) int { return http.StatusNoContent })
	path := filepath.Join(t.TempDir(), "waqtor.db")
	ctx := context.Background()

	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	hook := webhook.Webhook{ID: id.New("whk"), TenantID: "ten_1", URL: rc.URL + "/hook", Events: []string{"message_received"},
		Enabled: true, Secrets: []webhook.Secret{{Value: webhook.NewSecret(), CreatedAt: now}},
		Policy:    webhook.Policy{Schedule: webhook.ScheduleDefault, TimeoutMS: 2000, MaxConcurrency: 16, DisableAfterHours: 120},
		CreatedAt: now, UpdatedAt: now}
	if err := sqlite.NewWebhookStore(db).CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	db.Close()

	const events = 400
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashHookEnv+"="+hook.ID, crashEventsEnv+"="+strconv.Itoa(events))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var accepted []string
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			mu.Lock()
			accepted = append(accepted, sc.Text())
			mu.Unlock()
		}
	}()
	// Kill once deliveries are flowing, while most events are still somewhere in the pipeline.
	testkit.Until(t, 20*time.Second, "the first deliveries", func() bool { return len(rc.hits()) >= 40 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	<-read
	mu.Lock()
	ids := append([]string(nil), accepted...)
	mu.Unlock()
	before := len(rc.hits())
	if len(ids) < 40 || before >= events {
		t.Fatalf("killed after %d events accepted and %d delivered; want the kill in the middle", len(ids), before)
	}

	// Restart as if the crash were longer ago than the queues' visibility timeouts (1 min for events, 6 min for
	// jobs) and the deliverer's claim, so what the killed process had received comes back at once.
	n := startNodeLater(t, path, 10*time.Minute)
	arrived := func() map[string]bool {
		got := map[string]bool{}
		for _, h := range rc.hits() {
			got[h.webhookID] = true
		}
		return got
	}
	testkit.Until(t, 20*time.Second, "every accepted event at the receiver after the restart", func() bool {
		got := arrived()
		for _, id := range ids {
			if !got[id] {
				return false
			}
		}
		return true
	})

	seqs := map[int64]string{}
	for _, id := range ids {
		testkit.Until(t, 20*time.Second, "delivery "+id+" recorded", func() bool {
			d, err := n.store.GetDelivery(ctx, "ten_1", id)
			return err == nil && d.Status == webhook.Delivered
		})
		d, err := n.store.GetDelivery(ctx, "ten_1", id)
		if err != nil {
			t.Fatal(err)
		}
		as, err := n.store.ListAttempts(ctx, "ten_1", id)
		if err != nil {
			t.Fatal(err)
		}
		if len(as) == 0 || len(as) > d.Attempts || as[len(as)-1].StatusCode != http.StatusNoContent {
			t.Errorf("delivery %s: %d attempts logged of %d, last %v; want the successful one last", id, len(as), d.Attempts, codes(as))
		}
		if other, dup := seqs[d.Seq]; dup {
			t.Errorf("deliveries %s and %s share sequence number %d", other, id, d.Seq)
		}
		seqs[d.Seq] = id
	}
	// Every delivery ever created, accepted or not, took one sequence number: count them all.
	all := 0
	for cursor := ""; ; {
		page, err := n.store.ListDeliveries(ctx, "ten_1", webhook.DeliveryFilter{WebhookID: hook.ID, Limit: 100, Before: cursor})
		if err != nil {
			t.Fatal(err)
		}
		all += len(page)
		if len(page) < 100 {
			break
		}
		cursor = page[len(page)-1].ID
	}
	w, err := n.store.GetWebhook(ctx, "ten_1", hook.ID)
	if err != nil {
		t.Fatal(err)
	}
	if w.Seq != int64(all) || all < len(ids) {
		t.Errorf("endpoint sequence %d, %d deliveries stored, %d events accepted; want sequence = deliveries >= accepted", w.Seq, all, len(ids))
	}
	t.Logf("killed after %d of %d deliveries; %d events accepted, %d deliveries, %d requests in all", before, events, len(ids), all, len(rc.hits()))
}
