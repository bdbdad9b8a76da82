package main

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/segmentio/ksuid"
)

// The statements of bench/db_ceiling.cpp (moonkeyd's SMS login_or_create for a new user).
const (
	findNumberSQL = "SELECT m.id, m.user_id, u.status FROM phone_numbers m JOIN users u ON u.id = m.user_id" +
		" WHERE m.app_id = ? AND m.environment = ? AND m.phone_number = ?"
	insertUserSQL = "INSERT INTO users (id, app_id, environment, status, created_at, updated_at)" +
		" VALUES (?, ?, ?, ?, ?, ?)"
	insertNumberSQL = "INSERT INTO phone_numbers (id, user_id, app_id, environment, phone_number, created_at," +
		" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
	upsertOTPSQL = "INSERT INTO otps (method_id, method_type, user_id, app_id, environment, code_digest, expires_at," +
		" failed_attempts, used_at, fingerprint_ip, fingerprint_user_agent, created_at)" +
		" VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, 0, NULL, ?, ?, ?)" +
		" ON DUPLICATE KEY UPDATE code_digest = VALUES(code_digest), expires_at = VALUES(expires_at)," +
		" failed_attempts = 0, used_at = NULL, fingerprint_ip = VALUES(fingerprint_ip)," +
		" fingerprint_user_agent = VALUES(fingerprint_user_agent), created_at = VALUES(created_at)"
	insertOutboxSQL = "INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, locale," +
		" expires_at, lease_until, created_at) VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, ?, ?, ?)"
)

const (
	codeLifetime     = 60 // seconds: the otps row's and the message's expires_at
	deliveryLease    = 30 // seconds: the outbox row's first lease_until
	transactionTries = 5  // moonkeyd's mysql::transaction_attempts
)

// loginStore runs login_or_create for one tenant with statements prepared once per connection
// (database/sql prepares a *sql.Stmt lazily on each pooled connection and keeps it there).
type loginStore struct {
	db                                                            *sql.DB
	appID, environment                                            string
	findNumber, insertUser, insertNumber, upsertOTP, insertOutbox *sql.Stmt
}

type loginResult struct {
	userID, methodID string
	created, active  bool
}

func newLoginStore(db *sql.DB, appID, environment string) (*loginStore, error) {
	s := &loginStore{db: db, appID: appID, environment: environment}
	for _, p := range []struct {
		stmt **sql.Stmt
		text string
	}{
		{&s.findNumber, findNumberSQL}, {&s.insertUser, insertUserSQL}, {&s.insertNumber, insertNumberSQL},
		{&s.upsertOTP, upsertOTPSQL}, {&s.insertOutbox, insertOutboxSQL},
	} {
		stmt, err := db.Prepare(p.text)
		if err != nil {
			return nil, err
		}
		*p.stmt = stmt
	}
	return s, nil
}

// retryable is moonkeyd's rule (lib/include/moonkey/store/mysql/transaction.hpp): a deadlock, a lock
// wait timeout, or a unique-key race (a concurrent request inserted the same number first).
func retryable(err error) bool {
	var e *mysql.MySQLError
	return errors.As(err, &e) && (e.Number == 1213 || e.Number == 1205 || e.Number == 1062)
}

// loginOrCreate finds the user of `phone` or creates it with its number, stores a fresh code for
// the number and queues the SMS, in one READ COMMITTED transaction tried up to 5 times. Returns the
// user, or the database's error.
func (s *loginStore) loginOrCreate(ctx context.Context, phone string, codes *codeSealer) (loginResult, error) {
	now := time.Now()
	code, err := newCode()
	if err != nil {
		return loginResult{}, err
	}
	sealed, err := codes.seal(code)
	if err != nil {
		return loginResult{}, err
	}
	fresh := newRecord{
		now:       now.Unix(),
		userID:    "user_" + ksuid.New().String(),
		methodID:  "pn_" + ksuid.New().String(),
		messageID: "msg_" + ksuid.New().String(),
		code:      code,
		sealedHex: hex.EncodeToString(sealed),
	}
	for attempt := 1; ; attempt++ {
		result, err := s.attempt(ctx, phone, &fresh, codes)
		if err == nil || !retryable(err) || attempt == transactionTries {
			return result, err
		}
	}
}

// newRecord holds the values one request writes, drawn once and reused by every attempt.
type newRecord struct {
	now                         int64
	userID, methodID, messageID string
	code, sealedHex             string
}

func (s *loginStore) attempt(ctx context.Context, phone string, r *newRecord, codes *codeSealer) (loginResult, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return loginResult{}, err
	}
	defer tx.Rollback() // no-op after Commit

	var result loginResult
	var status string
	err = tx.StmtContext(ctx, s.findNumber).QueryRowContext(ctx, s.appID, s.environment, phone).
		Scan(&result.methodID, &result.userID, &status)
	switch {
	case err == nil:
		result.active = status == "active"
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.StmtContext(ctx, s.insertUser).ExecContext(ctx,
			r.userID, s.appID, s.environment, "active", r.now, r.now); err != nil {
			return loginResult{}, err
		}
		if _, err := tx.StmtContext(ctx, s.insertNumber).ExecContext(ctx,
			r.methodID, r.userID, s.appID, s.environment, phone, r.now, r.now); err != nil {
			return loginResult{}, err
		}
		result = loginResult{userID: r.userID, methodID: r.methodID, created: true, active: true}
	default:
		return loginResult{}, err
	}

	expiresAt := r.now + codeLifetime
	digest := hex.EncodeToString(codes.digest(result.methodID, r.code))
	if _, err := tx.StmtContext(ctx, s.upsertOTP).ExecContext(ctx,
		result.methodID, "phone_number", result.userID, s.appID, s.environment, digest, expiresAt,
		"", "", r.now); err != nil {
		return loginResult{}, err
	}
	if _, err := tx.StmtContext(ctx, s.insertOutbox).ExecContext(ctx,
		r.messageID, s.appID, s.environment, "sms", phone, r.sealedHex, "en", expiresAt,
		r.now+deliveryLease, r.now); err != nil {
		return loginResult{}, err
	}
	return result, tx.Commit()
}
