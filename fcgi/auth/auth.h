/*
 * Internal declarations of the Auth program (users, passwords, tokens).
 *
 * Routes (the table is auth_routes in main.c): URL -> handler -> file
 *   POST   /auth/login         h_login          sessions.c
 *   POST   /auth/refresh       h_refresh        sessions.c
 *   POST   /auth/logout        h_logout         sessions.c
 *   POST   /auth/logout/all    h_logout_all     sessions.c
 *   GET    /auth/me            h_me             sessions.c
 *   GET    /auth/jwks.json     h_jwks           sessions.c
 *   GET    /auth/revocations   h_revocations    revocations.c
 *   GET    /auth/health        srv_health       shared/dispatch.c
 *   POST   /auth/users         h_users_create   users.c
 *   GET    /auth/users         h_users_list     users.c
 *   GET    /auth/users/{id}    h_users_get      users.c
 *   PATCH  /auth/users/{id}    h_users_patch    users.c
 *   DELETE /auth/users/{id}    h_users_delete   users.c
 */
#ifndef QUIRE_AUTH_H
#define QUIRE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <openssl/evp.h>

#include "http.h"
#include "input.h"
#include "srv.h"
#include "tok.h"

#define REFRESH_TOKEN_LEN	43	/* 256 random bits, base64url */
#define PASSWORD_MAX_BYTES	1024
#define PASSWORD_GENERATED_RAW	96	/* random bytes of a generated password, at most */
#define PASSWORD_GENERATED_MAX	129	/* its base64url text: up to 128 characters */
#define USERNAME_MIN		3
#define USERNAME_MAX		64
#define DISPLAY_NAME_MAX	100	/* characters; at most TOK_DISPLAY_NAME_MAX bytes */
#define LOGIN_CLIENT_MAX	64	/* an IPv4 address, or an IPv6 prefix "…/64" */

/* The [auth] settings (see quire.conf(5) for each). */
struct auth_conf {
	const char	*private_key;
	long long	 access_ttl;
	long long	 refresh_ttl;
	long long	 password_cost;
	long long	 password_min_length;
	long long	 login_max_failures;		/* per (address, username) */
	long long	 login_address_max_failures;	/* per address */
	long long	 login_window;
	long long	 login_ipv6_prefix;
	int		 cookie_secure;		/* https in front of a plain-http web server */
};

/* The Auth program's state, built once at start-up. */
struct auth {
	EVP_PKEY	*key;			/* the signing key */
	char		*key_pem;		/* its PEM, as libjwt takes it */
	size_t		 key_pem_len;
	char		 kid[TOK_KID_LEN + 1];
	char		*dummy_hash;		/* hashed for unknown users: same timing */
};

/* Prepared statements; keep in sync with auth_stmts in stmts.c. */
enum auth_stmt {
	S_USER_BY_NAME,
	S_USER_BY_ID,
	S_USER_INSERT,
	S_USER_COUNT,
	S_USER_LIST,
	S_USER_UPDATE,
	S_USER_SET_DISPLAY_NAME,
	S_USER_SET_PASSWORD,
	S_USER_REHASH,
	S_USER_DELETE,
	S_ADMIN_EXISTS,
	S_OTHER_ADMIN_EXISTS,
	S_ADMINS_LOCK,
	S_LOGIN_LOCK,
	S_FAILURES_COUNT,
	S_FAILURE_ADD,
	S_FAILURES_PRUNE,
	S_FAILURES_CLEAR,
	S_TOKEN_INSERT,
	S_TOKEN_LOOKUP,
	S_TOKEN_MARK_USED,
	S_FAMILY_REVOKE,
	S_FAMILY_REVOKE_BY_TOKEN,
	S_TOKENS_PRUNE,
	S_USER_TOKENS_REVOKE,
	S_USER_LOCK,
	S_REVOCATION_ADD,
	S_REVOCATION_OF,
	S_REVOCATIONS_LIST,
	S_REVOCATIONS_PRUNE,
	S_AUTH_STMT_COUNT
};

extern const struct db_stmt auth_stmts[S_AUTH_STMT_COUNT];

/*
 * Result columns, by statement. Keep each in sync with its column list in
 * stmts.c.
 */
/* USER_COLUMNS (user_json() reads them), then S_USER_BY_ID's password_hash. */
enum user_col {
	UC_ID, UC_USERNAME, UC_ROLE, UC_DISABLED, UC_CREATED, UC_DISPLAY_NAME,
	/* S_USER_BY_ID only */
	UC_PASSWORD_HASH
};

/* LOGIN_COLUMNS: S_USER_BY_NAME. */
enum login_col {
	LC_ID, LC_PASSWORD_HASH, LC_ROLE, LC_DISABLED, LC_DISPLAY_NAME
};

/* FAILURES_COLUMNS: S_FAILURES_COUNT, per (address, username) pair and per address. */
enum failures_col {
	FC_PAIR, FC_PAIR_RETRY, FC_ADDRESS, FC_ADDRESS_RETRY
};

/* TOKEN_COLUMNS: S_TOKEN_LOOKUP, the token and its user. */
enum token_col {
	TC_FAMILY, TC_USER, TC_EXPIRED, TC_USED, TC_REVOKED, TC_USERNAME, TC_ROLE, TC_DISABLED,
	TC_DISPLAY_NAME
};

/* REVOCATION_COLUMNS: S_REVOCATIONS_LIST (S_REVOCATION_OF: revoked_at alone). */
enum revocation_col {
	RV_SUB, RV_REVOKED, RV_EXPIRES
};

static inline struct auth *
auth_state(const struct req *r)
{
	return r->ctx->app;
}

static inline const struct auth_conf *
auth_conf(const struct req *r)
{
	return r->ctx->app_conf;
}

/* password.c */
/*
 * Hashes a password with yescrypt at the given cost. Returns a string the
 * caller frees, or NULL.
 */
char	*password_hash(const char *password, long long cost);
/* Returns whether password matches hash (constant-time comparison). */
bool	 password_check(const char *password, const char *hash);
/*
 * Returns whether a stored hash was made otherwise than password_hash() at
 * cost would make it now (another method, another cost), so that it should
 * be made again.
 */
bool	 password_outdated(const char *hash, long long cost);
/*
 * Checks a username: 3-64 of [a-z0-9_.-]. Returns 0, or -1 with e set
 * (control_character or invalid_username).
 */
int	 username_check(const char *, struct input_error *e);
/*
 * Checks a display name: valid UTF-8, no control characters, at most
 * DISPLAY_NAME_MAX characters and not empty once the spaces around it are
 * trimmed; writes the trimmed name to out. Returns 0, or -1 with e set
 * (400 invalid_field naming display_name).
 */
int	 display_name_check(const char *, char out[TOK_DISPLAY_NAME_MAX + 1],
	    struct input_error *e);
/*
 * Checks a new password: at least min_length characters and at most
 * PASSWORD_MAX_BYTES bytes. Returns 0, or -1 with e set (weak_password).
 */
int	 password_rules_check(const char *, long long min_length, struct input_error *e);
/*
 * Writes a random password of at least max(22, min_length) characters
 * (min_length at most 128) of base64url to out. Returns 0, or -1 when the
 * kernel gives no random bytes.
 */
int	 password_generate(char out[PASSWORD_GENERATED_MAX], long long min_length);

/* signer.c */
/*
 * Loads the signing key named in the configuration and checks that its
 * public half is among the public keys. Returns 0, or -1 with err set.
 */
int	 signer_load(struct auth *, const char *path, const struct tok_keyset *,
	    char *err, size_t errlen);
void	 signer_free(struct auth *);
/*
 * Signs an ES256 access token for a user. Returns a string the caller frees,
 * or NULL.
 */
char	*signer_issue(struct ctx *, const char *sub, const char *name,
	    const char *display_name, const char *role,
	    time_t now);
/*
 * Makes a new refresh token: writes its text (REFRESH_TOKEN_LEN + 1 bytes)
 * to token and the bytea literal of its SHA-256 ("\\x…", 67 bytes) to hash.
 * Returns 0 or -1.
 */
int	 refresh_token_new(char token[REFRESH_TOKEN_LEN + 1], char hash[67]);
/*
 * Writes the bytea literal of a presented refresh token's SHA-256. Returns 0,
 * or -1 when the token is not of the right shape.
 */
int	 refresh_token_hash(const char *token, char hash[67]);

/* limits.c: failed logins counted per (address, username) and per address */
/* browser.c: browser sessions, the refresh token in an HttpOnly cookie */
#define BROWSER_COOKIE	"quire_refresh"
/* Returns whether the request asks for a browser session (X-Quire-Session: cookie). */
bool	 browser_session(const struct req *);
/*
 * Refuses a request from another site: an Origin other than this site's
 * (scheme and Host), or a Sec-Fetch-Site other than same-origin or none.
 * Returns 0, or -1 with 403 cross_site_request set.
 */
int	 browser_check_site(struct req *);
/*
 * Copies the refresh token of the request's cookie into token. Returns
 * token, or NULL when there is none of the right length.
 */
const char *browser_cookie_token(const struct req *, char token[REFRESH_TOKEN_LEN + 1]);
/* Returns whether the request carries the refresh cookie at all. */
bool	 browser_has_cookie(const struct req *);
/*
 * Adds the Set-Cookie header of token, or one that clears the cookie when
 * token is NULL. Call after resp_error (which drops earlier headers).
 * Returns 0 or -1.
 */
int	 browser_set_cookie(struct req *, const char *token);

/* sessions.c: POST /auth/login, /auth/refresh, /auth/logout; GET /auth/me, /auth/jwks.json */
/*
 * Writes the key a client's failures count under: the IPv4 address of
 * remote_addr, or its IPv6 prefix of v6_prefix bits ("2001:db8:1:2::/64"),
 * or "-" when it is no address at all.
 */
void	 login_client(const char *remote_addr, long long v6_prefix,
	    char out[LOGIN_CLIENT_MAX]);
/* login_client() of the request's REMOTE_ADDR, as the web server passed it. */
void	 login_client_of(const struct req *, char out[LOGIN_CLIENT_MAX]);
/*
 * Checks the limits for username from client inside the caller's transaction
 * (which holds the username's S_LOGIN_LOCK). Returns 0 when the attempt may
 * go on, or -1 with the response set (429 with Retry-After, or a database
 * error); the caller rolls back.
 */
int	 login_allowed(struct req *, const char *username, const char *client);
/* Records a failure (and prunes old ones) in the caller's transaction. */
enum db_status login_failed(struct req *, const char *username, const char *client);
/* Forgets the failures of this (client, username) pair after a success. */
enum db_status login_succeeded(struct req *, const char *username, const char *client);

/* sessions.c: POST /auth/login, /auth/refresh, /auth/logout; GET /auth/me, /auth/jwks.json */
void	 h_login(struct req *);
void	 h_refresh(struct req *);
void	 h_logout(struct req *);
void	 h_logout_all(struct req *);
void	 h_me(struct req *);
void	 h_jwks(struct req *);

/* users.c: /auth/users */
void	 h_users_create(struct req *);
void	 h_users_list(struct req *);
void	 h_users_get(struct req *);
void	 h_users_patch(struct req *);
void	 h_users_delete(struct req *);
/* Returns a new JSON object for a user row (id, username, role, disabled, created_at). */
json_t	*user_json(PGresult *, int row);

/* revocations.c: access tokens that stop working before they expire */
/*
 * Revokes every access token of user_id issued until now, inside the
 * caller's transaction (which holds the user's row, so no token of the
 * user is issued concurrently): recorded, and sent to every program with
 * NOTIFY when the transaction commits. Returns DB_OK or another status (the
 * caller rolls back and answers).
 */
enum db_status	 revocation_add(struct req *, const char *user_id);
/*
 * Returns in *now the time to issue a token of user_id at: after the
 * user's latest revocation, which refuses tokens issued in its own second,
 * waiting for the next second when needed (rarely more than a second).
 * Returns DB_OK or another status.
 */
enum db_status	 revocation_wait(struct req *, const char *user_id, time_t *now);
void		 h_revocations(struct req *);
/* The program's source of revocations after a reconnection: its own table. */
extern const struct revoke_source auth_revocations;

/* cli.c: commands run by an administrator, not by the web server */
int	 cmd_keygen(int argc, char **argv);
int	 cmd_create_admin(const struct service *, int argc, char **argv);
int	 cmd_reset_password(const struct service *, int argc, char **argv);

#endif
