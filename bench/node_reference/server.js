'use strict';
// The Node reference for bench/run (SPEC §8): POST /v1/auth/otps/sms/login_or_create as a Node team
// would write it with fastify + mysql2, doing the work moonkeyd does for a new user: the secret-key
// check, the E.164 check, one READ COMMITTED transaction (the statements of bench/db_ceiling.cpp,
// prepared), the code's HMAC digest and its AES-256-GCM sealed copy in the outbox.
//
//   node server.js --database_url URL --app_id APP --key sk_test_… [--environment test]
//                  [--listen 127.0.0.1:0] [--pool 16] [--workers 2] [--secret S]
//
// node:cluster: the primary forks --workers processes that share one listening port (on Linux the
// primary accepts and hands connections round-robin), each with a mysql2 pool of
// ceil(--pool / --workers) connections. The primary prints `listening on HOST:PORT` once every
// worker listens.

const cluster = require('node:cluster');
const crypto = require('node:crypto');

// ---------------------------------------------------------------- options

const usage =
    'usage: server.js --database_url URL --app_id APP --key KEY (or env BENCH_KEY) [--environment test|live]\n' +
    '                 [--listen HOST:PORT] [--pool N] [--workers N] [--secret S (or env BENCH_SECRET)]';

// Returns the options from argv, or throws an Error whose message says what is wrong.
function parseOptions(argv, env) {
    const given = {};
    for (let i = 0; i < argv.length; i += 2) {
        const name = argv[i];
        if (!name.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${name}`);
        given[name.slice(2)] = argv[i + 1];
    }
    const known = ['database_url', 'app_id', 'key', 'environment', 'listen', 'pool', 'workers', 'secret'];
    for (const name of Object.keys(given)) {
        if (!known.includes(name)) throw new Error(`unknown option --${name}`);
    }
    const options = {
        databaseUrl: given.database_url,
        appId: given.app_id,
        key: given.key ?? env.BENCH_KEY,
        environment: given.environment ?? 'test',
        listen: given.listen ?? '127.0.0.1:0',
        pool: Number(given.pool ?? 16),
        workers: Number(given.workers ?? 2),
        secret: given.secret ?? env.BENCH_SECRET,
    };
    if (!options.databaseUrl || !options.appId || !options.key) throw new Error('missing option');
    if (options.environment !== 'test' && options.environment !== 'live') throw new Error('bad --environment');
    if (!Number.isInteger(options.pool) || options.pool < 1) throw new Error('bad --pool');
    if (!Number.isInteger(options.workers) || options.workers < 1) throw new Error('bad --workers');
    const colon = options.listen.lastIndexOf(':');
    options.host = options.listen.slice(0, colon);
    options.port = Number(options.listen.slice(colon + 1));
    if (colon < 1 || !Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
        throw new Error('bad --listen (HOST:PORT)');
    }
    // moonkeyd takes the secret on its command line; without one, any 32+ bytes do for a bench.
    options.secret ??= crypto.randomBytes(48).toString('base64');
    return options;
}

// Returns mysql2 connection settings from mysql://user:pass@host:port/db?socket=/path, the format
// of lib/src/core/database_url.cpp.
function connectionSettings(databaseUrl) {
    const url = new URL(databaseUrl);
    if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new Error('database_url: scheme must be mysql://');
    const database = decodeURIComponent(url.pathname.slice(1));
    const user = decodeURIComponent(url.username);
    if (!database || !user) throw new Error('database_url: the user or the database name is missing');
    const settings = { user, password: decodeURIComponent(url.password), database };
    const socket = url.searchParams.get('socket');
    if (socket) settings.socketPath = socket;
    else Object.assign(settings, { host: url.hostname || 'localhost', port: Number(url.port || 3306) });
    return settings;
}

// ---------------------------------------------------------------- ids, codes, crypto

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Returns `length` base62 characters from the CSPRNG (bytes >= 248 = 4 * 62 are skipped so that
// every character is equally likely).
function randomBase62(length) {
    let out = '';
    while (out.length < length) {
        for (const byte of crypto.randomBytes(length + 8)) {
            if (byte < 248 && out.length < length) out += base62[byte % 62];
        }
    }
    return out;
}

// A KSUID-shaped id: the prefix and 27 random base62 characters (moonkeyd's also encode the time).
const newId = (prefix) => prefix + randomBase62(27);

// Six decimal digits, uniform, from the CSPRNG.
const newCode = () => String(crypto.randomInt(1_000_000)).padStart(6, '0');

const sha256 = (data) => crypto.createHash('sha256').update(data).digest();

// The stored form of a code, as moonkeyd's otp_code_digest: HMAC-SHA-256(secret, method_id ‖ code).
const codeDigest = (secret, methodId, code) => crypto.createHmac('sha256', secret).update(methodId + code).digest();

// nonce ‖ ciphertext ‖ tag under AES-256-GCM, as moonkeyd's crypto::seal.
function seal(key, plaintext) {
    const nonce = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', key, nonce);
    return Buffer.concat([nonce, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
}

// ---------------------------------------------------------------- the transaction

const sql = {
    find:
        'SELECT m.id, m.user_id, u.status FROM phone_numbers m JOIN users u ON u.id = m.user_id' +
        ' WHERE m.app_id = ? AND m.environment = ? AND m.phone_number = ?',
    insertUser: 'INSERT INTO users (id, app_id, environment, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
    insertPhone:
        'INSERT INTO phone_numbers (id, user_id, app_id, environment, phone_number, created_at, updated_at)' +
        ' VALUES (?, ?, ?, ?, ?, ?, ?)',
    upsertOtp:
        'INSERT INTO otps (method_id, method_type, user_id, app_id, environment, code_digest, expires_at,' +
        ' failed_attempts, used_at, fingerprint_ip, fingerprint_user_agent, created_at)' +
        ' VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, 0, NULL, ?, ?, ?)' +
        ' ON DUPLICATE KEY UPDATE code_digest = VALUES(code_digest), expires_at = VALUES(expires_at),' +
        ' failed_attempts = 0, used_at = NULL, fingerprint_ip = VALUES(fingerprint_ip),' +
        ' fingerprint_user_agent = VALUES(fingerprint_user_agent), created_at = VALUES(created_at)',
    insertOutbox:
        'INSERT INTO outbox (id, app_id, environment, channel, destination, sealed_code, locale, expires_at,' +
        ' lease_until, created_at) VALUES (?, ?, ?, ?, ?, UNHEX(?), ?, ?, ?, ?)',
};

// Deadlock, lock wait timeout, and a unique-key race (another request created the same number
// first: the next attempt finds it), as moonkeyd's mysql::retryable_error.
const retryableErrors = new Set([1213, 1205, 1062]);
const transactionAttempts = 5;

class DatabaseUnavailable extends Error {
    constructor(cause) {
        super('the database is not available', { cause });
    }
}

// The statements of one attempt; returns the answer's fields.
async function loginStatements(conn, tenant, phone, fresh) {
    const { appId, environment } = tenant;
    const [rows] = await conn.execute(sql.find, [appId, environment, phone]);
    let methodId = fresh.methodId, userId = fresh.userId, status = 'active', created = false;
    if (rows.length > 0) {
        [methodId, userId, status] = [rows[0].id, rows[0].user_id, rows[0].status];
    } else {
        await conn.execute(sql.insertUser, [userId, appId, environment, 'active', fresh.now, fresh.now]);
        await conn.execute(sql.insertPhone, [methodId, userId, appId, environment, phone, fresh.now, fresh.now]);
        created = true;
    }
    const digest = codeDigest(tenant.secret, methodId, fresh.code).toString('hex');
    await conn.execute(sql.upsertOtp, [methodId, 'phone_number', userId, appId, environment, digest,
                                       fresh.expiresAt, '', '', fresh.now]);
    await conn.execute(sql.insertOutbox, [fresh.messageId, appId, environment, 'sms', phone, fresh.sealed, 'en',
                                          fresh.expiresAt, fresh.leaseUntil, fresh.now]);
    return { user_id: userId, phone_number_id: methodId, user_created: created,
             status: status === 'active' ? 'active' : 'pending' };
}

// Returns the answer for `phone` (creating the user when the number is new), or throws
// DatabaseUnavailable when the database fails or stays locked for every attempt.
async function loginOrCreate(pool, tenant, phone) {
    const now = Math.floor(Date.now() / 1000);
    const code = newCode();
    const fresh = {
        now, code, expiresAt: now + 60, leaseUntil: now + 30,
        userId: newId('user_'), methodId: newId('pn_'), messageId: newId('msg_'),
        sealed: seal(tenant.sealKey, code).toString('hex'),
    };
    let conn;
    try {
        conn = await pool.getConnection();
    } catch (err) {
        throw new DatabaseUnavailable(err);
    }
    let broken = false;
    try {
        for (let attempt = 1; ; ++attempt) {
            try {
                await conn.beginTransaction();
                const answer = await loginStatements(conn, tenant, phone, fresh);
                await conn.commit();
                return answer;
            } catch (err) {
                broken = Boolean(err.fatal);
                if (!broken) await conn.rollback().catch(() => { broken = true; });
                if (broken || !retryableErrors.has(err.errno) || attempt === transactionAttempts) {
                    throw new DatabaseUnavailable(err);
                }
            }
        }
    } finally {
        // A connection that failed mid-protocol is closed, not handed to the next request.
        if (broken) conn.destroy();
        else conn.release();
    }
}

// ---------------------------------------------------------------- HTTP

// One stderr line per kind of error, never the request's key, number or code.
const loggedKinds = new Set();
function logOnce(kind, detail) {
    if (loggedKinds.has(kind)) return;
    loggedKinds.add(kind);
    process.stderr.write(`node_reference[${process.pid}]: ${kind}${detail ? ': ' + detail : ''} (logged once)\n`);
}

const errorBody = (statusCode, errorType, errorMessage, requestId) =>
    ({ status_code: statusCode, error_type: errorType, error_message: errorMessage, request_id: requestId });

// A caller's X-Request-Id when it is short and plain (as moonkeyd's request_id_of), else a new one.
function requestId(req) {
    const given = req.headers['x-request-id'];
    if (typeof given === 'string' && given.length <= 128 && /^[A-Za-z0-9._:-]+$/.test(given)) return given;
    return 'req_' + randomBase62(22);
}

// E.164 only: npm has no maintained equivalent of the libphonenumber moonkeyd links, so numbers are
// checked for shape, not for being assignable.
const e164 = /^\+[1-9][0-9]{7,14}$/;

const loginResponseSchema = {
    200: {
        type: 'object',
        properties: {
            user_id: { type: 'string' },
            phone_number_id: { type: 'string' },
            user_created: { type: 'boolean' },
            status: { type: 'string' },
        },
    },
};

function buildApp(options, pool) {
    const fastify = require('fastify');
    const app = fastify({ logger: false, bodyLimit: 64 * 1024, requestIdHeader: false, genReqId: requestId });
    const tenant = {
        appId: options.appId, environment: options.environment, secret: options.secret,
        sealKey: sha256('moonkey-seal-v1' + options.secret),
    };
    const expectedKeyDigest = sha256(options.key);
    app.removeContentTypeParser('text/plain');  // JSON only, as moonkeyd (415 otherwise)

    app.addHook('onRequest', async (request, reply) => {
        reply.header('X-Request-Id', request.id);
    });

    // Before the body is read, as moonkeyd: a caller without the key gets nothing else.
    async function authenticate(request, reply) {
        const header = request.headers.authorization ?? '';
        const token = header.startsWith('Bearer ') ? header.slice(7) : '';
        if (!token || !crypto.timingSafeEqual(sha256(token), expectedKeyDigest)) {
            return reply.code(401).send(errorBody(401, 'unauthorized_credentials',
                                                  'the secret key is missing or not valid', request.id));
        }
    }

    app.post('/v1/auth/otps/sms/login_or_create',
             { onRequest: authenticate, schema: { response: loginResponseSchema } },
             async (request, reply) => {
        const phone = request.body?.phone_number;
        if (typeof phone !== 'string') {
            return reply.code(400).send(errorBody(400, 'invalid_request', 'phone_number must be a string', request.id));
        }
        if (!e164.test(phone)) {
            return reply.code(400).send(errorBody(400, 'invalid_phone_number',
                                                  'phone_number must be in E.164 format (+15555550123)', request.id));
        }
        return loginOrCreate(pool, tenant, phone);
    });

    app.setNotFoundHandler((request, reply) => {
        reply.code(404).send(errorBody(404, 'not_found', 'no such route', request.id));
    });

    // The one place errors become answers: fastify's own (bad JSON, too large, wrong media type)
    // keep their 4xx status; the database's become 503; anything else is a 500.
    app.setErrorHandler((err, request, reply) => {
        if (err instanceof DatabaseUnavailable) {
            const cause = err.cause ?? {};
            logOnce(`database error ${cause.code ?? 'unknown'}`, cause.errno ? `errno ${cause.errno}` : '');
            reply.header('Retry-After', '1');
            return reply.code(503).send(errorBody(503, 'service_unavailable', err.message, request.id));
        }
        const status = err.statusCode;
        if (status >= 400 && status < 500) {
            const type = status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'invalid_request';
            return reply.code(status).send(errorBody(status, type, err.message, request.id));
        }
        logOnce(`request failed ${err.code ?? err.name}`, '');
        return reply.code(500).send(errorBody(500, 'internal_server_error', 'the server failed on this request',
                                              request.id));
    });
    return app;
}

// ---------------------------------------------------------------- processes

async function runWorker(options) {
    const mysql = require('mysql2/promise');
    const pool = mysql.createPool({
        ...connectionSettings(options.databaseUrl),
        connectionLimit: Math.ceil(options.pool / options.workers),
        queueLimit: 4096,  // bounded: past it a request gets 503 instead of waiting without end
        connectTimeout: 3000,
        charset: 'utf8mb4',
    });
    // The session settings of moonkeyd's connections (3 s: moonkeyd's default db_timeout).
    // mysql2 queues them ahead of the first request's statements.
    pool.on('connection', (conn) => {
        for (const statement of ['SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
                                 'SET SESSION innodb_lock_wait_timeout = 3']) {
            conn.query(statement, (err) => {
                if (err) logOnce(`session setup failed ${err.code}`, '');
            });
        }
    });
    try {
        await pool.query('SELECT 1');
    } catch (err) {
        process.stderr.write(`node_reference: cannot reach the database: ${err.code ?? err.message}\n`);
        process.exit(1);
    }
    const app = buildApp(options, pool);
    await app.listen({ host: options.host, port: options.port });
    process.on('SIGTERM', () => app.close().then(() => pool.end()).finally(() => process.exit(0)));
}

function runPrimary(options) {
    // Workers listen on the same HOST:0; cluster gives them one shared handle, hence one port.
    const ports = new Set();
    let listening = 0, started = false, stopping = false, exitCode = 0;
    cluster.on('listening', (worker, address) => {
        if (started) return;
        ports.add(address.port);
        if (++listening < options.workers) return;
        if (ports.size !== 1) {
            process.stderr.write(`node_reference: workers listen on different ports (${[...ports]})\n`);
            return stop(1);
        }
        started = true;
        process.stdout.write(`listening on ${options.host}:${[...ports][0]}\n`);
    });
    cluster.on('exit', (worker, code, signal) => {
        if (stopping) {
            if (Object.keys(cluster.workers).length === 0) process.exit(exitCode);
            return;
        }
        if (!started) {
            process.stderr.write(`node_reference: a worker failed to start (exit ${code ?? signal})\n`);
            return stop(1);
        }
        logOnce('a worker died; starting another', `exit ${code ?? signal}`);
        forkWorker();
    });
    function stop(code) {
        if (stopping) return;
        stopping = true;
        exitCode = code;
        for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
        if (Object.keys(cluster.workers).length === 0) process.exit(exitCode);
        setTimeout(() => process.exit(exitCode), 5000).unref();
    }
    function forkWorker() {
        // One parser, in the primary: the workers take its result (with a generated secret) over IPC.
        cluster.fork().send({ options });
    }
    process.on('SIGTERM', () => stop(0));
    process.on('SIGINT', () => stop(0));
    for (let i = 0; i < options.workers; ++i) forkWorker();
}

if (cluster.isPrimary) {
    let options;
    try {
        options = parseOptions(process.argv.slice(2), process.env);
        connectionSettings(options.databaseUrl);
    } catch (err) {
        process.stderr.write(`node_reference: ${err.message}\n${usage}\n`);
        process.exit(2);
    }
    runPrimary(options);
} else {
    process.once('message', (message) => {
        runWorker(message.options).catch((err) => {
            process.stderr.write(`node_reference: worker failed: ${err.message}\n`);
            process.exit(1);
        });
    });
}
