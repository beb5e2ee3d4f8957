package standalone

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/consumers"
	"github.com/waqtor/waqtor/shared/crypt"
	"github.com/waqtor/waqtor/shared/eventbus"
	"github.com/waqtor/waqtor/shared/localdisk"
	"github.com/waqtor/waqtor/shared/logging"
	"github.com/waqtor/waqtor/shared/queue"
	"github.com/waqtor/waqtor/shared/routing"
	"github.com/waqtor/waqtor/shared/runtime/app"
	"github.com/waqtor/waqtor/shared/sessionrunner"
	"github.com/waqtor/waqtor/shared/sqlite"
)

// Standalone builds every store of app.Stores, and its event bus consumes every queue of the catalog but the
// dead-letter queues, each consumer built from standalone's own dependencies (ConsumerDeps and the session
// runner, as Run builds them). A store or a consumer added without its standalone wiring fails here.
func TestStandaloneWiresEveryStoreAndEveryConsumer(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "waqtor.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	q, err := sqlite.NewQueue(ctx, db, queue.Catalog...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Close() })
	files, err := localdisk.NewMediaStore(filepath.Join(dir, "media"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := crypt.NewKeyring(crypt.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	stores := NewStores(db, files, ring)
	if m := stores.Missing(); len(m) > 0 {
		t.Errorf("standalone leaves app.Stores %v nil", m)
	}

	log := logging.Discard()
	cfg := config.Config{DataDir: dir}
	devices, _, closeWA, err := openWhatsApp(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeWA)
	rt, err := eventbus.New(q, routing.Table, eventbus.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	host, err := sessionrunner.New(sessionrunner.Config{Sessions: stores.Sessions, Messages: stores.Messages, Devices: devices,
		Events: rt, Queue: q, Files: files, Notifier: app.NotificationCenter(stores, rt, log), Log: log})
	if err != nil {
		t.Fatal(err)
	}
	deps := ConsumerDeps(db, q, ring, cfg, log)
	deps.Sessions = host
	deps.NotificationRules = app.NotificationCenter(stores, rt, log)
	if err := Consume(rt, deps); err != nil {
		t.Fatal(err)
	}
	notHere := map[string]bool{} // dead-letter queues, and the queues of consumers only AWS runs
	for _, s := range queue.Catalog {
		notHere[s.DeadLetter] = true
	}
	for _, c := range consumers.Registry() {
		if c.AWSOnly {
			notHere[c.Queue] = true
		}
	}
	var want []string
	for _, s := range queue.Catalog {
		if !notHere[s.Name] {
			want = append(want, s.Name)
		}
	}
	got := rt.Consumers()
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("standalone consumes %v, want every queue but the dead-letter queues and those only AWS consumes: %v", got, want)
	}
}
