package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"go.mau.fi/whatsmeow/types"

	"github.com/waqtor/waqtor/shared/awstest"
	"github.com/waqtor/waqtor/shared/config"
	"github.com/waqtor/waqtor/shared/runtime/awsapp"
	"github.com/waqtor/waqtor/shared/runtime/awshost"
	"github.com/waqtor/waqtor/shared/session"
	"github.com/waqtor/waqtor/shared/testkit"
	"github.com/waqtor/waqtor/shared/wasim"
)

// leaseTTL is the sessions' lease TTL in TestAWSSessionLease (the smallest WAQTOR_SESSION_LEASE_TTL allows).
const leaseTTL = 3 * time.Second

// TestAWSSessionLease runs two session hosts (awshost.Run, as the ECS task runs it) against the same DynamoDB
// (minidyn), SQS, device store (Postgres) and fake WhatsApp, and checks from WhatsApp's side that the session's
// device is never connected twice at once:
//   - host A runs the session; host B starts and does not connect it (it waits for the lease);
//   - A stops gracefully (SIGTERM): B takes over as soon as A released the lease;
//   - a third host C starts and waits; B is then cut off from the lease store (a partition: its renewals fail),
//     disconnects by itself before its lease expires, and C takes over after the expiry; B, reconnected to the
//     store, stays off.
//
// The hosts read the device database's credentials from Secrets Manager themselves (WAQTOR_DEVICE_DB_SECRET, the
// way for a host outside ECS; TestAWSWhatsApp gives them as the stack's ECS secrets do).
//
// Sends are posted all along, through the API (in process, on the same emulators): every one ends sent, and the
// contact's phone got each exactly once (copies counted by the fake, duplicates included).
func TestAWSSessionLease(t *testing.T) {
	began := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	w := startHostWorld(t, ctx)
	pgDSN, ddb, sqsEndpoint, eb, s3Fake := w.pgDSN, w.ddb, w.sqsEndpoint, w.eb, w.s3
	sm := awstest.NewSecretsManager(t)
	tokenARN := sm.Put(prefix+"token-secret", randomString(t, 64))
	deviceDBARN := sm.Put(prefix+"device-db", rdsSecret(t, pgDSN))
	wa := wasim.New(t)
	account, contact := wa.Phone(accountPhone), wa.Phone(contactPhone)

	for _, kv := range []string{
		"WAQTOR_TABLE=" + table, "WAQTOR_EVENT_BUS=" + bus, "WAQTOR_QUEUE_PREFIX=" + prefix,
		"WAQTOR_TOKEN_SECRET_ARN=" + tokenARN, "WAQTOR_MEDIA_BUCKET=" + mediaBucket,
		"WAQTOR_DEVICE_DB_SECRET=" + deviceDBARN, "WAQTOR_ADDR=127.0.0.1:0", "WAQTOR_SHUTDOWN_TIMEOUT=10s",
		"WAQTOR_SESSION_LEASE_TTL=" + leaseTTL.String(), "WAQTOR_DATA_DIR=" + t.TempDir(),
		"AWS_ENDPOINT_URL_DYNAMODB=" + aws.ToString(ddb.Options().BaseEndpoint), "AWS_ENDPOINT_URL_SQS=" + sqsEndpoint,
		"AWS_ENDPOINT_URL_EVENTBRIDGE=" + eb.URL, "AWS_ENDPOINT_URL_SECRETS_MANAGER=" + sm.URL,
		"AWS_ENDPOINT_URL_S3=" + s3Fake.URL, "AWS_CA_BUNDLE=" + s3Fake.CABundle,
		"AWS_REGION=" + awstest.Region, "AWS_DEFAULT_REGION=" + awstest.Region,
		"AWS_ACCESS_KEY_ID=" + awstest.AccessKey, "AWS_SECRET_ACCESS_KEY=" + awstest.SecretKey,
		"AWS_CONFIG_FILE=" + os.DevNull, "AWS_SHARED_CREDENTIALS_FILE=" + os.DevNull, "AWS_EC2_METADATA_DISABLED=true",
	} {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	logs := map[string]*testkit.Buffer{}
	hostLog := func(name string) *slog.Logger {
		logs[name] = &testkit.Buffer{}
		return slog.New(slog.NewJSONHandler(logs[name], &slog.HandlerOptions{Level: slog.LevelDebug})).With("host", name)
	}
	t.Cleanup(func() {
		if t.Failed() || os.Getenv("WAQTOR_E2E_LOGS") != "" {
			for name, l := range logs {
				t.Logf("host %s log:\n%s", name, l.String())
			}
		}
	})

	ownerKey := "wq_live_" + randomString(t, 40)
	bootCfg := cfg
	bootCfg.BootstrapTenant, bootCfg.BootstrapEmail, bootCfg.BootstrapPassword, bootCfg.BootstrapAPIKey = "One", ownerEmail, ownerPassword, ownerKey
	if err := awsapp.Bootstrap(ctx, bootCfg, slog.New(slog.DiscardHandler), io.Discard); err != nil {
		t.Fatal(err)
	}
	rt, err := awsapp.New(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	api, err := rt.API(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gw := &apiGateway{t: t, handler: api}
	key := header("X-API-Key", ownerKey)

	// Host A pairs the session.
	hostA := startHost(t, ctx, cfg, hostLog("A"), wa)
	var created struct{ Session struct{ ID string } }
	gw.call(ctx, "POST", "/api/sessions", key, `{"name":"Sales"}`).want(t, http.StatusCreated, &created)
	sessionID := created.Session.ID
	var qr struct{ QR string }
	testkit.UntilWhy(t, eventualDeadline, "a QR code", func() (bool, string) {
		r := gw.call(ctx, "GET", "/api/sessions/"+sessionID+"/qr", key, "")
		if r.status != http.StatusOK {
			return false, fmt.Sprintf("GET qr: %d %s", r.status, r.body)
		}
		r.want(t, http.StatusOK, &qr)
		return qr.QR != "", "empty QR"
	})
	device, err := account.Scan(qr.QR)
	if err != nil {
		t.Fatalf("the phone scans the QR code: %v", err)
	}
	waitSessionStatus(t, gw, ctx, key, sessionID, "ready")
	waitConnected(t, wa, device, 1)

	// The stream of sends: one posted at most every 200 ms while the test waits for the handovers.
	var sent []string
	var lastPost time.Time
	post := func() {
		if time.Since(lastPost) < 200*time.Millisecond {
			return
		}
		lastPost = time.Now()
		sent = append(sent, postSend(t, gw, ctx, key, "/api/messages/send-text",
			fmt.Sprintf(`{"chatId":%q,"text":"message %d"}`, contactPhone, len(sent)+1)))
	}

	// Host B starts while A holds the session: it waits for the lease and never connects.
	logins := wa.Logins(device)
	cut := &partitioned{} // B's lease store, cut later
	hostB := startHost(t, ctx, cfg, hostLog("B"), wa, awshost.WithLeaseStore(cut.wrap))
	testkit.UntilWhy(t, eventualDeadline, "host B waiting for the session's lease", func() (bool, string) {
		post()
		if peak := wa.PeakConnected(device); peak > 1 {
			t.Fatalf("host B connected the session while A held it: %d connections at once", peak)
		}
		n := strings.Count(logs["B"].String(), "session held by another host")
		return n >= 3, fmt.Sprintf("host B found the session held %d times", n)
	})
	if l, peak := wa.Logins(device), wa.PeakConnected(device); l != logins || peak != 1 {
		t.Fatalf("while A held the session, B connected it: %d logins (want %d), at most %d connections at once", l, logins, peak)
	}

	// A stops as ECS stops a task (SIGTERM): it drains, disconnects and releases; B takes over at once.
	stopped := time.Now()
	hostA.cancel()
	testkit.UntilWhy(t, eventualDeadline, "host B connected after A's release", func() (bool, string) {
		post()
		return wa.Logins(device) == logins+1 && wa.Connected(device) == 1,
			fmt.Sprintf("%d logins, %d connected", wa.Logins(device), wa.Connected(device))
	})
	gracefulTakeover := time.Since(stopped)
	hostA.stop(t)
	aReturned := time.Since(stopped)
	waitSessionStatus(t, gw, ctx, key, sessionID, "ready")

	// Host C starts and waits; B is then cut off from the lease store: its renewals fail, it disconnects before
	// its lease expires, and C takes over after the expiry.
	hostC := startHost(t, ctx, cfg, hostLog("C"), wa)
	testkit.UntilWhy(t, eventualDeadline, "host C waiting for the session's lease", func() (bool, string) {
		post()
		return strings.Contains(logs["C"].String(), "session held by another host"), "host C did not try yet"
	})
	logins = wa.Logins(device)
	heldForB := strings.Count(logs["B"].String(), "session held by another host")
	partition := time.Now()
	cut.cut.Store(true)
	var bOff time.Duration
	testkit.UntilWhy(t, eventualDeadline, "host C connected after B's lease expired", func() (bool, string) {
		post()
		if bOff == 0 && wa.Connected(device) == 0 {
			bOff = time.Since(partition)
		}
		return wa.Logins(device) == logins+1 && wa.Connected(device) == 1,
			fmt.Sprintf("%d logins, %d connected", wa.Logins(device), wa.Connected(device))
	})
	expiryTakeover := time.Since(partition)
	// B renewed at most a third of the TTL before the partition: its lease expired no sooner than two thirds
	// of the TTL after it, and B's watchdog fired a sixth of the TTL before that.
	if bOff == 0 || bOff >= expiryTakeover {
		t.Errorf("host B disconnected %s after the partition began, C connected after %s: want B off first", bOff, expiryTakeover)
	}
	if expiryTakeover < leaseTTL*2/3 {
		t.Errorf("host C took over %s after the partition began, before B's lease could have expired (%s at the earliest)",
			expiryTakeover, leaseTTL*2/3)
	}
	// B back on the store: it finds the session held and stays off.
	cut.cut.Store(false)
	testkit.UntilWhy(t, eventualDeadline, "host B waiting again after the partition", func() (bool, string) {
		post()
		n := strings.Count(logs["B"].String(), "session held by another host")
		return n >= heldForB+2, fmt.Sprintf("host B found the session held %d times, %d before the partition", n, heldForB)
	})
	waitSessionStatus(t, gw, ctx, key, sessionID, "ready")

	// Every message went out once.
	for _, id := range sent {
		testkit.UntilWhy(t, eventualDeadline, "message "+id+" sent", func() (bool, string) {
			var out struct{ Message apiMessage }
			gw.call(ctx, "GET", "/api/messages/"+id, key, "").want(t, http.StatusOK, &out)
			if out.Message.Status == "failed" {
				t.Fatalf("message %s failed: %+v", id, out.Message)
			}
			return slices.Contains([]string{"sent", "delivered", "read"}, out.Message.Status) && contact.Copies(id) > 0,
				fmt.Sprintf("status %s, %d copies at the contact", out.Message.Status, contact.Copies(id))
		})
	}
	var twice []string
	for _, id := range sent {
		if n := contact.Copies(id); n != 1 {
			twice = append(twice, fmt.Sprintf("%s ×%d", id, n))
		}
	}
	if len(twice) > 0 {
		t.Errorf("messages that reached the contact more than once: %v", twice)
	}
	if peak := wa.PeakConnected(device); peak != 1 {
		t.Errorf("the session's device was connected %d times at once, want never more than once", peak)
	}
	if p := wa.Problems(); len(p) > 0 {
		t.Errorf("the fake WhatsApp could not handle: %q", p)
	}
	hostB.stop(t)
	hostC.stop(t)
	t.Logf("%d sends across 2 handovers, each received once; lease TTL %s: B connected %s after A's SIGTERM (A's run "+
		"returned after %s, its abandoned long polls included); after the partition B disconnected within %s and C "+
		"connected after %s; whole test %s",
		len(sent), leaseTTL, gracefulTakeover.Round(time.Millisecond), aReturned.Round(time.Millisecond),
		bOff.Round(time.Millisecond), expiryTakeover.Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
}

func waitConnected(t *testing.T, wa *wasim.Server, device types.JID, want int) {
	t.Helper()
	testkit.UntilWhy(t, eventualDeadline, fmt.Sprintf("%d connection(s) of %s", want, device), func() (bool, string) {
		n := wa.Connected(device)
		return n == want, fmt.Sprintf("%d connected", n)
	})
}

// partitioned cuts a host off from the lease store while cut is set: every call fails as an unreachable
// DynamoDB would.
type partitioned struct {
	cut atomic.Bool
}

var errPartition = errors.New("partition: the lease store is unreachable")

func (p *partitioned) wrap(s session.LeaseStore) session.LeaseStore { return partitionedStore{s, p} }

type partitionedStore struct {
	session.LeaseStore
	p *partitioned
}

func (s partitionedStore) AcquireLease(ctx context.Context, tenantID, sessionID, holder string, now time.Time, ttl time.Duration) (session.Lease, error) {
	if s.p.cut.Load() {
		return session.Lease{}, errPartition
	}
	return s.LeaseStore.AcquireLease(ctx, tenantID, sessionID, holder, now, ttl)
}

func (s partitionedStore) RenewLease(ctx context.Context, tenantID, sessionID, holder string, token int64, now time.Time, ttl time.Duration) (session.Lease, error) {
	if s.p.cut.Load() {
		return session.Lease{}, errPartition
	}
	return s.LeaseStore.RenewLease(ctx, tenantID, sessionID, holder, token, now, ttl)
}

func (s partitionedStore) ReleaseLease(ctx context.Context, tenantID, sessionID, holder string, token int64) error {
	if s.p.cut.Load() {
		return errPartition
	}
	return s.LeaseStore.ReleaseLease(ctx, tenantID, sessionID, holder, token)
}

func (s partitionedStore) GetLease(ctx context.Context, tenantID, sessionID string) (session.Lease, error) {
	if s.p.cut.Load() {
		return session.Lease{}, errPartition
	}
	return s.LeaseStore.GetLease(ctx, tenantID, sessionID)
}
