package main

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// moonkeyd's default db_timeout: connect, read and write deadlines and the InnoDB lock wait.
const databaseTimeout = 3 * time.Second

// driverConfig returns the driver's configuration for moonkeyd's database URL
// (mysql://user:pass@host[:port]/db[?socket=/path], lib/src/core/database_url.cpp).
func driverConfig(text string) (*mysql.Config, error) {
	u, err := url.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("database_url: not a URL: %w", err)
	}
	if u.Scheme != "mysql" && u.Scheme != "mariadb" {
		return nil, errors.New("database_url: scheme must be mysql://")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	if cfg.User == "" {
		return nil, errors.New("database_url: the user name is missing")
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" {
		return nil, errors.New("database_url: the database name is missing")
	}
	if socket := u.Query().Get("socket"); socket != "" {
		cfg.Net, cfg.Addr = "unix", socket
	} else {
		port := u.Port()
		if port == "" {
			port = "3306"
		}
		cfg.Net, cfg.Addr = "tcp", u.Hostname()+":"+port
	}
	cfg.Timeout = databaseTimeout
	cfg.ReadTimeout = databaseTimeout
	cfg.WriteTimeout = databaseTimeout
	// Real server-side prepared statements, as database/sql users get by default.
	cfg.InterpolateParams = false
	// Session settings as moonkeyd's connections have them; the driver sends each as a SET on
	// connect. (MariaDB 10.11 knows the isolation level as tx_isolation.) The handshake already
	// asks for utf8mb4, the driver's default collation.
	cfg.Params = map[string]string{
		"tx_isolation":             "'READ-COMMITTED'",
		"innodb_lock_wait_timeout": fmt.Sprint(int(databaseTimeout / time.Second)),
	}
	return cfg, nil
}

// openDatabase returns a pool of at most `pool` connections, all kept open, checked with a ping.
func openDatabase(text string, pool int) (*sql.DB, error) {
	cfg, err := driverConfig(text)
	if err != nil {
		return nil, err
	}
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(pool)
	db.SetMaxIdleConns(pool)
	db.SetConnMaxLifetime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
