package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/waqtor/waqtor/shared/httpapi"
)

// hammer sends n GET requests to url from `workers` goroutines over keep-alive connections and returns the time
// they took.
func hammer(b *testing.B, client *http.Client, url string, header http.Header, n, workers int) time.Duration {
	b.Helper()
	var wg sync.WaitGroup
	jobs := make(chan struct{}, n)
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				req, _ := http.NewRequest("GET", url, nil)
				req.Header = header
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start)
}

// BenchmarkAuthenticatedMe compares authenticated GET /api/me (API key lookup in SQLite, scope check, rate limit,
// logging, metrics, JSON) with a bare net/http handler writing a JSON body, both over real loopback HTTP in this
// process. It reports both rates and their ratio (target >= 0.5), and the process's CPU time (user and system,
// clients included) per request on each side, which a busy machine disturbs less than the rates.
func BenchmarkAuthenticatedMe(b *testing.B) {
	e := newEnv(b, httpapi.Config{RatePerSecond: 1e9, RateBurst: 1e9})
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"tenant":{"id":"ten_x","name":"x"},"auth":{"type":"apiKey"}}`))
	}))
	defer bare.Close()
	h := http.Header{"X-Api-Key": []string{e.ownerKey}}
	const workers, rounds = 8, 10
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	defer client.CloseIdleConnections()
	hammer(b, client, e.url+"/api/me", h, 100, workers) // warm up connections and caches
	hammer(b, client, bare.URL, h, 100, workers)
	// Alternate short rounds so background load on the machine hits both sides alike.
	per := max(b.N/rounds, 50)
	var api, base, apiCPU, baseCPU time.Duration
	b.ResetTimer()
	for range rounds {
		c := cpuTime()
		api += hammer(b, client, e.url+"/api/me", h, per, workers)
		c2 := cpuTime()
		base += hammer(b, client, bare.URL, h, per, workers)
		apiCPU, baseCPU = apiCPU+c2-c, baseCPU+cpuTime()-c2
	}
	b.StopTimer()
	total := float64(per * rounds)
	b.ReportMetric(total/api.Seconds(), "api_req/s")
	b.ReportMetric(total/base.Seconds(), "bare_req/s")
	b.ReportMetric(base.Seconds()/api.Seconds(), "ratio")
	b.ReportMetric(float64(apiCPU.Microseconds())/total, "api_cpu_µs/req")
	b.ReportMetric(float64(baseCPU.Microseconds())/total, "bare_cpu_µs/req")
}
