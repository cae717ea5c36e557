/*
 * diff: a line-by-line comparison (longest common subsequence), small and
 * our own. diffLines(a, b) returns [{op: "same"|"del"|"add", text}].
 */
import { h } from './dom.js';

const MAX_CELLS = 16e6;	/* past this, compare without the middle's alignment */

export function diffLines(a, b) {
	const x = a.split('\n'), y = b.split('\n');
	let start = 0, endX = x.length, endY = y.length;
	while (start < endX && start < endY && x[start] === y[start])
		start++;
	while (endX > start && endY > start && x[endX - 1] === y[endY - 1]) {
		endX--;
		endY--;
	}
	const out = x.slice(0, start).map((text) => ({ op: 'same', text }));
	const mx = x.slice(start, endX), my = y.slice(start, endY);
	const n = mx.length, m = my.length;
	if (n * m > MAX_CELLS) {
		for (const text of mx)
			out.push({ op: 'del', text });
		for (const text of my)
			out.push({ op: 'add', text });
	} else {
		/* lcs[i][j]: the common length of mx[i..] and my[j..]. */
		const w = m + 1;
		const lcs = new Uint32Array((n + 1) * w);
		for (let i = n - 1; i >= 0; i--)
			for (let j = m - 1; j >= 0; j--)
				lcs[i * w + j] = mx[i] === my[j] ? lcs[(i + 1) * w + j + 1] + 1
				    : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
		let i = 0, j = 0;
		while (i < n && j < m) {
			if (mx[i] === my[j]) {
				out.push({ op: 'same', text: mx[i] });
				i++;
				j++;
			} else if (lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])
				out.push({ op: 'del', text: mx[i++] });
			else
				out.push({ op: 'add', text: my[j++] });
		}
		while (i < n)
			out.push({ op: 'del', text: mx[i++] });
		while (j < m)
			out.push({ op: 'add', text: my[j++] });
	}
	for (const text of x.slice(endX))
		out.push({ op: 'same', text });
	return out;
}

/*
 * Draws a diff as a list: removed lines marked "−" and struck, added ones
 * "+", long unchanged stretches folded to a few lines of context.
 */
export function diffView(a, b, labels = ['before', 'after']) {
	const rows = diffLines(a, b);
	const changed = rows.some((r) => r.op !== 'same');
	const list = h('ol', { class: 'diff', 'aria-label': `Changes from ${labels[0]} to ${labels[1]}` });
	if (!changed)
		return h('p', { class: 'muted', text: 'No difference.' });
	const near = rows.map(() => false);
	rows.forEach((r, i) => {
		if (r.op !== 'same')
			for (let k = Math.max(0, i - 2); k <= Math.min(rows.length - 1, i + 2); k++)
				near[k] = true;
	});
	let skipped = 0;
	const flush = () => {
		if (skipped)
			list.append(h('li', { class: 'fold', text: `… ${skipped} unchanged line${skipped > 1 ? 's' : ''}` }));
		skipped = 0;
	};
	rows.forEach((r, i) => {
		if (!near[i]) {
			skipped++;
			return;
		}
		flush();
		const mark = r.op === 'add' ? '+' : r.op === 'del' ? '−' : ' ';
		const what = r.op === 'add' ? `only in ${labels[1]}` : r.op === 'del' ? `only in ${labels[0]}` : null;
		list.append(h('li', { class: r.op },
		    h('span', { class: 'mark', 'aria-hidden': 'true', text: mark }),
		    what ? h('span', { class: 'sr-only', text: `${what}: ` }) : null,
		    h(r.op === 'del' ? 'del' : r.op === 'add' ? 'ins' : 'span', { text: r.text || ' ' })));
	});
	flush();
	return h('div', { class: 'diff-wrap' },
	    h('p', { class: 'muted small legend', text: `− only in ${labels[0]}   + only in ${labels[1]}` }), list);
}
