/*
 * drafts: unsaved edits kept in this browser (localStorage), one per user
 * and post, so that a crashed tab, a lost network or an ended session gives
 * them back. Only text is kept here; never a token.
 */

const PREFIX = 'quire.draft.';

function key(userId, postId) {
	return `${PREFIX}${userId}.${postId || 'new'}`;
}

/* Returns the kept edits of a post ({title, slug, tags, body, kind, base, at}), or null. */
export function loadDraft(userId, postId) {
	try {
		const raw = localStorage.getItem(key(userId, postId));
		return raw ? JSON.parse(raw) : null;
	} catch {
		return null;
	}
}

/* Keeps the edits of a post; base is the version they started from. */
export function saveDraft(userId, postId, fields, base) {
	try {
		localStorage.setItem(key(userId, postId),
		    JSON.stringify({ ...fields, base, at: new Date().toISOString() }));
		return true;
	} catch {
		return false;	/* storage full or refused: the editor says so */
	}
}

export function dropDraft(userId, postId) {
	try {
		localStorage.removeItem(key(userId, postId));
	} catch { /* nothing to do */ }
}

export function hasDraft(userId, postId) {
	try {
		return localStorage.getItem(key(userId, postId)) !== null;
	} catch {
		return false;
	}
}
