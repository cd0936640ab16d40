/* SPDX-License-Identifier: BSD-2-Clause */
// duckdb.js - the DuckDB comparator of bench/run, on one thread.
//
//   node bench/duckdb.js tumbling EVENTS        per-minute count by service
//   node bench/duckdb.js join EVENTS DIMS       enrichment hash join
//
// Both write NDJSON to stdout through COPY ... TO '/dev/stdout', so DuckDB
// pays for reading and writing JSON as streamkit does.  SET threads=1 by
// default, the cost per core beside streamkit's -j 1; DUCKDB_THREADS=N
// gives the rows beside -j N.
//
// The driver is @duckdb/node-api, which ships its native library as an npm
// package; the older `duckdb` package is used when that is what is
// installed (its install fetches a prebuilt binary from outside the npm
// registry and otherwise compiles DuckDB for an hour).
'use strict';

const path = require('path');

const modules = process.env.DUCKDB_MODULES ||
	path.join(__dirname, '.duckdb', 'node_modules');
const threads = String(parseInt(process.env.DUCKDB_THREADS || '1', 10) || 1);

// JSON string literal quoting is SQL's: double the single quotes.
function lit(s) {
	return "'" + String(s).replace(/'/g, "''") + "'";
}

function queries(kind, args) {
	if (kind === 'tumbling' && args.length === 1) {
		return [`COPY (
		    SELECT strftime(time_bucket(INTERVAL 1 minute, ts),
		        '%Y-%m-%dT%H:%M:%S.000Z') AS window_start,
		        service, count(*) AS count
		    FROM read_json(${lit(args[0])},
		        format = 'newline_delimited')
		    GROUP BY ALL ORDER BY window_start, service
		) TO '/dev/stdout' (FORMAT JSON)`];
	}
	if (kind === 'join' && args.length === 2) {
		return [`COPY (
		    SELECT e.*, d.* EXCLUDE (user_id)
		    FROM read_json(${lit(args[0])},
		        format = 'newline_delimited') e
		    LEFT JOIN read_json(${lit(args[1])},
		        format = 'newline_delimited') d
		    ON e.user_id = d.user_id
		) TO '/dev/stdout' (FORMAT JSON)`];
	}
	process.stderr.write('usage: duckdb.js tumbling EVENTS | ' +
	    'join EVENTS DIMS\n');
	process.exit(64);
}

async function runNeo(api, sqls) {
	const db = await api.DuckDBInstance.create(':memory:',
	    { threads: threads });
	const conn = await db.connect();

	await conn.run('SET threads = ' + threads);
	for (const sql of sqls)
		await conn.run(sql);
}

function runLegacy(duckdb, sqls) {
	const db = new duckdb.Database(':memory:');

	return new Promise((resolve, reject) => {
		db.exec(['SET threads = ' + threads].concat(sqls).join(';\n'),
		    (err) => (err ? reject(err) : resolve()));
	});
}

async function main() {
	const sqls = queries(process.argv[2], process.argv.slice(3));
	let api;

	try {
		api = require(path.join(modules, '@duckdb', 'node-api'));
	} catch (e) {
		api = null;
	}
	if (api !== null)
		return runNeo(api, sqls);
	return runLegacy(require(path.join(modules, 'duckdb')), sqls);
}

main().catch((err) => {
	process.stderr.write('duckdb.js: ' + (err && err.message) + '\n');
	process.exit(70);
});
