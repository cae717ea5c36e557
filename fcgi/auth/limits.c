/*
 * Login limits: failed logins (and wrong current passwords) are counted by
 * client address, so that one client's failures stop that client and no one
 * else. Two limits, within login_window seconds:
 *
 *   - login_max_failures per (address, username) pair: a guesser at one
 *     account is stopped, even with the right password, while its owner
 *     logs in from anywhere else;
 *   - login_address_max_failures per address, whatever the usernames: this
 *     caps the yescrypt hashes one address can make the server compute. An
 *     unknown username costs a hash like a known one and counts the same, so
 *     neither the timing nor the limit tells which usernames exist.
 *
 * The address is REMOTE_ADDR as the web server passes it (behind a reverse
 * proxy, the web server's mod_extforward or mod_remoteip makes it the real
 * client's; never a header read here). An IPv6 client is its prefix of
 * login_ipv6_prefix bits, as one host usually holds a whole /64.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

void
login_client(const char *remote_addr, long long v6_prefix, char out[LOGIN_CLIENT_MAX])
{
	struct in_addr	 v4;
	struct in6_addr	 v6;
	char		 text[INET6_ADDRSTRLEN];
	int		 bits = (int)v6_prefix, i;

	if (remote_addr != NULL && inet_pton(AF_INET, remote_addr, &v4) == 1) {
		inet_ntop(AF_INET, &v4, out, LOGIN_CLIENT_MAX);
		return;
	}
	if (remote_addr == NULL || inet_pton(AF_INET6, remote_addr, &v6) != 1) {
		/* No usable address: such requests share one. */
		snprintf(out, LOGIN_CLIENT_MAX, "-");
		return;
	}
	/* An IPv4 client over an IPv6 socket (::ffff:a.b.c.d) is that IPv4 client. */
	if (IN6_IS_ADDR_V4MAPPED(&v6)) {
		memcpy(&v4, &v6.s6_addr[12], 4);
		inet_ntop(AF_INET, &v4, out, LOGIN_CLIENT_MAX);
		return;
	}
	for (i = 0; i < 16; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			v6.s6_addr[i] &= (unsigned char)(0xff00 >> bits);
			bits = 0;
		}
	}
	inet_ntop(AF_INET6, &v6, text, sizeof(text));
	snprintf(out, LOGIN_CLIENT_MAX, "%s/%lld", text, v6_prefix);
}

void
login_client_of(const struct req *r, char out[LOGIN_CLIENT_MAX])
{
	login_client(req_env(r, "REMOTE_ADDR"), auth_conf(r)->login_ipv6_prefix, out);
}

int
login_allowed(struct req *r, const char *username, const char *client)
{
	const struct auth_conf	*conf = auth_conf(r);
	PGresult		*res;
	enum db_status		 st;
	char			 window[24];
	long long		 pair, pair_retry, all, all_retry, retry;
	const char		*why;

	snprintf(window, sizeof(window), "%lld", conf->login_window);
	if ((st = DB_QUERY(r->ctx->db, S_FAILURES_COUNT, &res, client, username, window)) !=
	    DB_OK) {
		resp_db_error(r, st);
		return -1;
	}
	pair = strtoll(PQgetvalue(res, 0, FC_PAIR), NULL, 10);
	pair_retry = strtoll(PQgetvalue(res, 0, FC_PAIR_RETRY), NULL, 10);
	all = strtoll(PQgetvalue(res, 0, FC_ADDRESS), NULL, 10);
	all_retry = strtoll(PQgetvalue(res, 0, FC_ADDRESS_RETRY), NULL, 10);
	PQclear(res);
	if (pair >= conf->login_max_failures) {
		why = "too many failed logins for this username from your address";
		retry = pair_retry;
	} else if (all >= conf->login_address_max_failures) {
		why = "too many failed logins from your address";
		retry = all_retry;
	} else
		return 0;
	resp_error(r, ERR_TOO_MANY_ATTEMPTS, "%s; try again later", why);
	resp_header(r, "Retry-After", "%lld", retry > 0 ? retry : 1);
	return -1;
}

enum db_status
login_failed(struct req *r, const char *username, const char *client)
{
	char		 window[24];
	enum db_status	 st;

	snprintf(window, sizeof(window), "%lld", auth_conf(r)->login_window);
	if ((st = DB_QUERY(r->ctx->db, S_FAILURE_ADD, NULL, client, username)) != DB_OK)
		return st;
	return DB_QUERY(r->ctx->db, S_FAILURES_PRUNE, NULL, window);
}

enum db_status
login_succeeded(struct req *r, const char *username, const char *client)
{
	return DB_QUERY(r->ctx->db, S_FAILURES_CLEAR, NULL, client, username);
}
