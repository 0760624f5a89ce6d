#!/usr/bin/env node
// run.js — the test oracle: run an ONNX model in ONNX Runtime (CPU) and save
// its outputs.
//
//   node run.js MODEL [--input NAME=FILE.pb ...] [--inputs-from DIR]
//               [--random SEED] --out DIR
//
// Inputs come from ONNX TensorProto files: --input binds one graph input by
// name; --inputs-from DIR reads DIR/input_K.pb, K = 0, 1, ... (the ONNX test
// data layout) and binds each to the input its TensorProto names, else to the
// K-th graph input.  Inputs still unbound get deterministic pseudo-random data
// from --random SEED (default 0), shaped by the model's input metadata with
// every symbolic dim set to 1.
//
// The session is as plain and repeatable as ONNX Runtime allows: CPU only,
// graph optimization disabled (so the optimizer cannot hide a difference
// between two models), one thread, sequential execution.
//
// DIR gets, for output K: out_K.bin (raw little-endian elements, row-major;
// bool as one byte; for strings a JSON array) and out_K.json
// {"name", "dtype", "dims"}.  tests/oracle/compare.py compares two such dirs.
// Any failure prints "oracle: error: ..." and exits 1.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function fail(msg) {
	process.stderr.write(`oracle: error: ${msg}\n`);
	process.exit(1);
}

// ---- a minimal TensorProto decoder ----------------------------------------

// ONNX TensorProto.DataType -> ORT tensor type
const DTYPE = {
	1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16',
	6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16',
	11: 'float64', 12: 'uint32', 13: 'uint64',
};
const ARRAY = {
	float32: Float32Array, uint8: Uint8Array, int8: Int8Array,
	uint16: Uint16Array, int16: Int16Array, int32: Int32Array,
	int64: BigInt64Array, bool: Uint8Array, float16: Uint16Array,
	float64: Float64Array, uint32: Uint32Array, uint64: BigUint64Array,
};

class Reader {
	constructor(buf) { this.buf = buf; this.pos = 0; }
	eof() { return this.pos >= this.buf.length; }
	varint() {	// as a BigInt: int64 dims and data need all 64 bits
		let v = 0n, shift = 0n;
		for (;;) {
			if (this.pos >= this.buf.length) throw new Error('truncated varint');
			const b = this.buf[this.pos++];
			v |= BigInt(b & 0x7f) << shift;
			if (!(b & 0x80)) return v;
			shift += 7n;
			if (shift > 63n) throw new Error('varint too long');
		}
	}
	bytes(n) {
		if (this.pos + n > this.buf.length) throw new Error('truncated field');
		const b = this.buf.subarray(this.pos, this.pos + n);
		this.pos += n;
		return b;
	}
	skip(wire) {
		if (wire === 0) this.varint();
		else if (wire === 1) this.bytes(8);
		else if (wire === 2) this.bytes(Number(this.varint()));
		else if (wire === 5) this.bytes(4);
		else throw new Error(`unsupported wire type ${wire}`);
	}
}

// Read a repeated scalar field, packed (wire 2) or not, into out[].
function repeated(r, wire, fixed, decode, out) {
	if (wire !== 2) {
		out.push(fixed ? decode(r.bytes(fixed)) : decode(r.varint()));
		return;
	}
	const sub = new Reader(r.bytes(Number(r.varint())));
	while (!sub.eof())
		out.push(fixed ? decode(sub.bytes(fixed)) : decode(sub.varint()));
}

const asI64 = (v) => BigInt.asIntN(64, v);
const asU64 = (v) => BigInt.asUintN(64, v);
const asI32 = (v) => Number(BigInt.asIntN(32, v));
const f32 = (b) => Buffer.from(b).readFloatLE(0);
const f64 = (b) => Buffer.from(b).readDoubleLE(0);

function decodeTensor(buf) {
	const r = new Reader(buf);
	const t = { dims: [], dt: 0, name: '', raw: null, f: [], i32: [],
		i64: [], u64: [], d: [], s: [] };
	while (!r.eof()) {
		const key = Number(r.varint());
		const field = key >> 3, wire = key & 7;
		switch (field) {
		case 1: repeated(r, wire, 0, asI64, t.dims); break;
		case 2: t.dt = Number(r.varint()); break;
		case 4: repeated(r, wire, 4, f32, t.f); break;
		case 5: repeated(r, wire, 0, asI32, t.i32); break;
		case 6: t.s.push(Buffer.from(r.bytes(Number(r.varint()))).toString()); break;
		case 7: repeated(r, wire, 0, asI64, t.i64); break;
		case 8: t.name = Buffer.from(r.bytes(Number(r.varint()))).toString(); break;
		case 9: t.raw = r.bytes(Number(r.varint())); break;
		case 10: repeated(r, wire, 8, f64, t.d); break;
		case 11: repeated(r, wire, 0, asU64, t.u64); break;
		case 14:
			if (Number(r.varint()) !== 0) throw new Error('external data is not supported');
			break;
		default: r.skip(wire);
		}
	}
	const type = DTYPE[t.dt];
	if (!type) throw new Error(`unsupported data_type ${t.dt}`);
	const dims = t.dims.map(Number);
	const n = dims.reduce((a, b) => a * b, 1);
	let data;
	if (type === 'string') {
		data = t.s;
	} else if (t.raw) {
		const A = ARRAY[type];
		if (t.raw.length !== n * A.BYTES_PER_ELEMENT)
			throw new Error(`raw_data has ${t.raw.length} bytes, dims need ${n * A.BYTES_PER_ELEMENT}`);
		data = new A(n);	// copy: raw may be unaligned
		new Uint8Array(data.buffer).set(t.raw);
	} else {
		const src = { float32: t.f, float64: t.d, int64: t.i64, uint64: t.u64,
			uint32: t.u64.map(Number) }[type] || t.i32;
		data = new ARRAY[type](src.length);
		data.set(src);
	}
	if (data.length !== n)
		throw new Error(`holds ${data.length} elements, dims need ${n}`);
	return { name: t.name, tensor: new ort.Tensor(type, data, dims) };
}

// ---- deterministic pseudo-random inputs ------------------------------------

function rng(seed) {	// mulberry32
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return (t ^ (t >>> 14)) >>> 0;
	};
}

// Floats uniform in [-1, 1) on a 2^-23 grid (exact in every float type);
// integers in [0, 10); bools 0/1.
function randomTensor(meta, next) {
	const dims = meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
	const n = dims.reduce((a, b) => a * b, 1);
	const type = meta.type;
	const A = ARRAY[type];
	if (!A) fail(`input '${meta.name}': cannot make random data of type ${type}`);
	const data = new A(n);
	for (let i = 0; i < n; i++) {
		const u = next();
		if (type === 'float32' || type === 'float64')
			data[i] = (u >>> 8) / (1 << 23) - 1;
		else if (type === 'float16')	// same grid, coarser: sign|exp|mant
			data[i] = (u & 0x83ff) | 0x3800;	// +-[0.5, 1)
		else if (type === 'bool')
			data[i] = u & 1;
		else if (type === 'int64' || type === 'uint64')
			data[i] = BigInt(u % 10);
		else
			data[i] = u % 10;
	}
	return new ort.Tensor(type, data, dims);
}

// ---- main -------------------------------------------------------------------

function parseArgs(argv) {
	const a = { model: null, inputs: [], from: null, seed: 0, out: null };
	for (let i = 0; i < argv.length; i++) {
		const s = argv[i];
		const val = () => {
			if (i + 1 >= argv.length) fail(`${s} needs a value`);
			return argv[++i];
		};
		if (s === '--input') {
			const v = val(), eq = v.indexOf('=');
			if (eq <= 0) fail(`--input wants NAME=FILE.pb, not '${v}'`);
			a.inputs.push([v.slice(0, eq), v.slice(eq + 1)]);
		} else if (s === '--inputs-from') a.from = val();
		else if (s === '--random') a.seed = Number(val());
		else if (s === '--out') a.out = val();
		else if (s.startsWith('-')) fail(`unknown option ${s}`);
		else if (a.model === null) a.model = s;
		else fail(`more than one model: ${a.model}, ${s}`);
	}
	if (!a.model || !a.out)
		fail('usage: run.js MODEL [--input NAME=FILE.pb ...] [--inputs-from DIR] [--random SEED] --out DIR');
	if (!Number.isInteger(a.seed)) fail('--random wants an integer seed');
	return a;
}

function readPb(file) {
	let buf;
	try {
		buf = fs.readFileSync(file);
	} catch (e) {
		fail(`${file}: ${e.message}`);
	}
	try {
		return decodeTensor(buf);
	} catch (e) {
		fail(`${file}: ${e.message}`);
	}
}

async function main() {
	const a = parseArgs(process.argv.slice(2));
	ort.env.logLevel = 'error';
	let sess;
	try {
		sess = await ort.InferenceSession.create(a.model, {
			executionProviders: ['cpu'],
			graphOptimizationLevel: 'disabled',
			intraOpNumThreads: 1,
			interOpNumThreads: 1,
			executionMode: 'sequential',
			logSeverityLevel: 3,
		});
	} catch (e) {
		fail(`${a.model}: ${e.message}`);
	}
	const names = sess.inputNames;
	const feeds = {};
	if (a.from) {
		for (let k = 0; fs.existsSync(path.join(a.from, `input_${k}.pb`)); k++) {
			const t = readPb(path.join(a.from, `input_${k}.pb`));
			const name = names.includes(t.name) ? t.name : names[k];
			if (name === undefined) fail(`${a.from}: more inputs than the model has`);
			feeds[name] = t.tensor;
		}
	}
	for (const [name, file] of a.inputs) {
		if (!names.includes(name)) fail(`${a.model}: no input named '${name}'`);
		feeds[name] = readPb(file).tensor;
	}
	const next = rng(a.seed);
	for (const meta of sess.inputMetadata) {
		if (feeds[meta.name]) continue;
		if (!meta.isTensor) fail(`input '${meta.name}' is not a tensor`);
		feeds[meta.name] = randomTensor(meta, next);
	}

	let res;
	try {
		res = await sess.run(feeds);
	} catch (e) {
		fail(`${a.model}: ${e.message}`);
	}
	fs.mkdirSync(a.out, { recursive: true });
	sess.outputNames.forEach((name, k) => {
		const t = res[name];
		if (!t || t.data === undefined) fail(`output '${name}' is not a tensor`);
		const bin = t.type === 'string'
			? Buffer.from(JSON.stringify(t.data))
			: Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
		fs.writeFileSync(path.join(a.out, `out_${k}.bin`), bin);
		fs.writeFileSync(path.join(a.out, `out_${k}.json`),
			JSON.stringify({ name, dtype: t.type, dims: t.dims }) + '\n');
	});
	await sess.release();
}

main().catch((e) => fail(e.stack || String(e)));
