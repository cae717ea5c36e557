/*
 * api: the one door to Auth, Post and Media.
 *
 * The session is a browser session of Auth: the refresh token lives in an
 * HttpOnly cookie (Path=/auth) that this code never sees; the access token
 * lives in this module's memory only (never in storage, never in a URL).
 * Every call to Auth's session endpoints carries X-Quire-Session: cookie,
 * the header a cross-site form cannot send.
 */

const SESSION = { 'X-Quire-Session': 'cookie' };

let access = null;		/* the access token, in memory only */
let refreshTimer = null;
let refreshing = null;		/* the refresh in flight, shared by callers */
let onEnded = () => {};

/* An error answer of the API: status, code and message of the error shape. */
export class ApiError extends Error {
	constructor(status, code, message, data = null) {
		super(message || `HTTP ${status}`);
		this.status = status;
		this.code = code || '';
		this.data = data;
	}
}

/* Registers what to do when the session ends by itself (refresh refused). */
export function onSessionEnded(fn) {
	onEnded = fn;
}

/* Parses a response's JSON body, or null. */
async function bodyOf(res) {
	const type = res.headers.get('Content-Type') || '';
	if (!type.includes('json'))
		return null;
	try {
		return await res.json();
	} catch {
		return null;
	}
}

/* Turns an error response into an ApiError. */
async function errorOf(res) {
	const data = await bodyOf(res);
	const e = data && data.error ? data.error : {};
	return new ApiError(res.status, e.code, e.message || res.statusText, data);
}

/* Takes the tokens of a login or refresh answer, and plans the next refresh. */
function takeSession(data) {
	access = data.access_token;
	clearTimeout(refreshTimer);
	/* Refresh a minute before the access token expires (at least after 30 s). */
	const ms = Math.max(30, (data.expires_in || 900) - 60) * 1000;
	refreshTimer = setTimeout(() => { refresh().catch(() => {}); }, ms);
}

function dropSession() {
	access = null;
	clearTimeout(refreshTimer);
	refreshTimer = null;
}

/*
 * Swaps the refresh cookie for a new access token. Resolves true, or false
 * when Auth refuses (no session, revoked, expired). Tabs of one browser take
 * turns (Web Locks), so two tabs never present the same refresh token: a
 * second use would be taken for theft and end the session.
 */
export function refresh() {
	if (refreshing)
		return refreshing;
	const run = async () => {
		const res = await fetch('/auth/refresh', {
			method: 'POST', headers: SESSION, credentials: 'same-origin', cache: 'no-store',
		});
		if (res.ok) {
			takeSession(await res.json());
			return true;
		}
		dropSession();
		if (res.status === 401)
			return false;
		throw await errorOf(res);
	};
	const locked = navigator.locks
	    ? navigator.locks.request('quire-refresh', run)
	    : run();
	refreshing = locked.finally(() => { refreshing = null; });
	return refreshing;
}

/* Whether a session (an access token) is held. */
export function signedIn() {
	return access !== null;
}

/* Logs in as a browser session. Resolves, or throws an ApiError. */
export async function login(username, password) {
	const res = await fetch('/auth/login', {
		method: 'POST', credentials: 'same-origin', cache: 'no-store',
		headers: { ...SESSION, 'Content-Type': 'application/json' },
		body: JSON.stringify({ username, password }),
	});
	if (!res.ok)
		throw await errorOf(res);
	takeSession(await res.json());
}

/* Ends this session (its cookie and its whole refresh family). */
export async function logout() {
	dropSession();
	await fetch('/auth/logout', {
		method: 'POST', headers: SESSION, credentials: 'same-origin', cache: 'no-store',
	}).catch(() => {});
}

/*
 * Calls the API: method, path (same site), and options
 *   json: a body sent as JSON;  headers: more headers;  body: a raw body.
 * Resolves { status, data, etag, headers } for 2xx and 3xx; throws an
 * ApiError otherwise. A 401 for an expired access token refreshes once and
 * tries again.
 */
export async function call(method, path, opts = {}) {
	for (let attempt = 0; ; attempt++) {
		const headers = { ...(opts.headers || {}) };
		if (access)
			headers.Authorization = `Bearer ${access}`;
		let body = opts.body;
		if (opts.json !== undefined) {
			headers['Content-Type'] = 'application/json';
			body = JSON.stringify(opts.json);
		}
		let res;
		try {
			res = await fetch(path, {
				method, headers, body, cache: 'no-store', credentials: 'same-origin',
			});
		} catch (e) {
			throw new ApiError(0, 'network', 'The server cannot be reached. Your text is kept in this browser.');
		}
		if (res.status === 401 && attempt === 0 && access) {
			if (await refresh())
				continue;
			onEnded();
		}
		if (!res.ok)
			throw await errorOf(res);
		return {
			status: res.status, headers: res.headers, etag: res.headers.get('ETag'),
			data: res.status === 204 ? null : await bodyOf(res),
		};
	}
}

/*
 * Uploads an image to Media with XMLHttpRequest, for its upload progress.
 * onProgress(fraction 0..1). Resolves the item; rejects with an ApiError.
 */
export function upload(file, alt, onProgress) {
	const send = () => new Promise((resolve, reject) => {
		const xhr = new XMLHttpRequest();
		const form = new FormData();
		form.append('file', file, file.name || 'pasted-image');
		if (alt)
			form.append('alt', alt);
		xhr.open('POST', '/media');
		if (access)
			xhr.setRequestHeader('Authorization', `Bearer ${access}`);
		xhr.upload.onprogress = (e) => {
			if (e.lengthComputable)
				onProgress(e.loaded / e.total);
		};
		xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was cut off.'));
		xhr.onload = () => {
			let data = null;
			try {
				data = JSON.parse(xhr.responseText);
			} catch { /* not JSON */ }
			if (xhr.status >= 200 && xhr.status < 300) {
				onProgress(1);
				resolve(data);
				return;
			}
			const e = data && data.error ? data.error : {};
			reject(new ApiError(xhr.status, e.code, e.message || `HTTP ${xhr.status}`, data));
		};
		xhr.send(form);
	});
	return send().catch(async (e) => {
		if (e.status === 401 && await refresh())
			return send();
		throw e;
	});
}
