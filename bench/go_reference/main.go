// go_reference: the Go reference for bench/run (SPEC §8). It serves moonkeyd's
// POST /v1/auth/otps/sms/login_or_create for one tenant the way a Go team would write it with
// net/http and database/sql (go-sql-driver/mysql): the same checks, the same transaction, the same
// stored values and the same answer as moonkeyd for a new user, without moonkeyd's abuse limits,
// libphonenumber or delivery queue.
//
//	go_reference --listen 127.0.0.1:0 --database_url URL --app_id APP --key sk_test_…
//	             [--environment test] [--pool 16] [--secret S]
//
// The first line on stdout is "listening on 127.0.0.1:PORT".
package main

import (
	"crypto/rand"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"time"
)

type options struct {
	listen      string
	databaseURL string
	appID       string
	environment string
	key         string
	secret      string
	pool        int
}

func parseOptions() options {
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on (port 0: any free port)")
	flag.StringVar(&o.databaseURL, "database_url", "", "mysql://user:pass@host[:port]/db[?socket=/path]")
	flag.StringVar(&o.appID, "app_id", "", "the tenant's app id")
	flag.StringVar(&o.environment, "environment", "test", "the tenant's environment (test or live)")
	flag.StringVar(&o.key, "key", os.Getenv("BENCH_KEY"), "the accepted secret key (default: $BENCH_KEY)")
	flag.StringVar(&o.secret, "secret", os.Getenv("BENCH_SECRET"),
		"server secret for code digests and sealing (default: $BENCH_SECRET, else random)")
	flag.IntVar(&o.pool, "pool", 16, "database connections (like moonkeyd's db_pool_size)")
	flag.Parse()
	if o.databaseURL == "" || o.appID == "" || o.key == "" || o.pool < 1 ||
		(o.environment != "test" && o.environment != "live") {
		flag.Usage()
		os.Exit(2)
	}
	return o
}

// randomSecret returns 48 random bytes, like the secret bench/run gives moonkeyd: the secret only
// shapes the stored digests and sealed codes, which nothing reads back here.
func randomSecret() string {
	b := make([]byte, 48)
	if _, err := rand.Read(b); err != nil {
		log.Fatalf("go_reference: the CSPRNG failed: %v", err)
	}
	return string(b)
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	o := parseOptions()
	if o.secret == "" {
		o.secret = randomSecret()
	}

	db, err := openDatabase(o.databaseURL, o.pool)
	if err != nil {
		log.Fatalf("go_reference: database: %v", err)
	}
	defer db.Close()
	store, err := newLoginStore(db, o.appID, o.environment)
	if err != nil {
		log.Fatalf("go_reference: preparing statements: %v", err)
	}
	codes, err := newCodeSealer(o.secret)
	if err != nil {
		log.Fatalf("go_reference: %v", err)
	}

	mux := http.NewServeMux()
	mux.Handle("/v1/auth/otps/sms/login_or_create", &loginHandler{
		keyDigest: keyDigest(o.key),
		store:     store,
		codes:     codes,
	})

	listener, err := net.Listen("tcp", o.listen)
	if err != nil {
		log.Fatalf("go_reference: listen: %v", err)
	}
	fmt.Printf("listening on %s\n", listener.Addr())
	os.Stdout.Sync()

	server := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    8 << 10,
	}
	log.Fatal(server.Serve(listener))
}
