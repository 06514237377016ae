/**
 * Tests of the admin password hashes against vectors made on Debian 12 with
 * real tools: `mkpasswd` (whois 5.5.17, libxcrypt), `openssl passwd`
 * (OpenSSL 3.0.19) and Python 3.11's `crypt` module (for `$2y$` and the
 * settings `mkpasswd` refuses, such as short SHA-crypt salts). Non-ASCII
 * passwords were given as UTF-8.
 *
 * @module
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  constantTimeEqual,
  hashPassword,
  type HashScheme,
  hashScheme,
  isWeakScheme,
  PasswordVerifier,
  verifyPassword,
} from "../../src/passwords/passwords.ts";

const VECTORS: Record<HashScheme, [password: string, hash: string][]> = {
  des: [
    ["s3cret", "abhWCwoTZY2c6"], // mkpasswd -m descrypt -S ab s3cret
    ["password", "ZziFATVXHo2.6"],
    ["longpassword123", "./x0kTlw5iEAs"],
    ["pä€", "9AT9eMO.QWrpc"],
  ],
  md5: [
    ["s3cret", "$1$saltsalt$RwMqRjSWhXMKbW72DwzGd1"], // mkpasswd -m md5crypt
    ["correct horse battery staple", "$1$abc$muTq3MW/9xkrrAIHYPD8I1"], // openssl passwd -1
    ["pässwörd", "$1$12345678$mQ1/t.WwP76MO4VquZEL.0"],
    ["c".repeat(20), "$1$x$ukFZ/RDFHoKsEqfwB0MJh/"],
    ["", "$1$abc$Or2rbeUYTvt12aiVzMuS/."],
  ],
  apr1: [
    ["s3cret", "$apr1$saltsalt$64vPg1.FPS6FtcYJ7Ti1V."], // openssl passwd -apr1
    ["correct horse battery staple", "$apr1$Q1$mcy8hIbyQGKHRB45C6mWF1"],
    ["pässwörd", "$apr1$a.b/c9Zz$cEhctwtEaa3YjksFHu4f7/"],
  ],
  sha256: [
    ["s3cret", "$5$saltsalt$i1q2ZQzc.tl/BQ6CHiENAcVDvEY6nJ1OWlWXKh94b1."], // mkpasswd
    ["s3cret", "$5$rounds=5000$saltsaltsaltsalt$ufKwWDLLJ1uDOn1ie/t9sV7Q6ioIKFeLyVcGgHLVx96"],
    [
      "correct horse battery staple",
      "$5$rounds=10000$roundsalt$Lw4selr20sGqbpC5LIljQDHl2fHhRHh3O00crVYNtCC",
    ],
    ["a".repeat(32), "$5$abcdefgh$.YzqH45KuqOmT7l4n18t6ukBTjWDlUUnPCuD2gPjUU/"], // openssl -5
    ["a".repeat(32), "$5$rounds=1000$abcdefgh$hCFJj2LopzRjosIPnWXaDKRFHymYmBfuaDWzJx9qII4"],
    ["pässwörd", "$5$x$Mf0xB8lGxJG3Vu9eJMicE4lrLk3adpWzOQ3sofvKXx3"],
  ],
  sha512: [
    [
      "s3cret", // mkpasswd and openssl passwd -6 agree
      "$6$saltsalt$As4wrv0kZlfch1du9WeH7qhskyLriQWySXrZzynnvi46nFnNxjdpl6ksRegrrKexvhIa/Iny8S8uF3fVWTMuC1",
    ],
    [
      "s3cret",
      "$6$rounds=5000$saltsalt$As4wrv0kZlfch1du9WeH7qhskyLriQWySXrZzynnvi46nFnNxjdpl6ksRegrrKexvhIa/Iny8S8uF3fVWTMuC1",
    ],
    [
      "correct horse battery staple",
      "$6$rounds=1000$abc./XYZ$JZwjNwBE2sU/u.s8CC1RpjgyOEaLc7dOHSUgEuSwg9IzFWxztz/99RHX3iKe.FllyfgW0pJiBiLZw74Rr/0yy/",
    ],
    [
      "b".repeat(64),
      "$6$saltsaltsaltsalt$SideM/5rSTSELN17DSxtjfp7ix1TbJOrdnFAqH/p2.p/.8xQTpn./xJqk0UH9V7tCCs6mT.52zhXJdXmbe0na.",
    ],
    [
      "pässwörd",
      "$6$rounds=12345$pq$qHgkFXi6L8xWPyMhVv.OS1zV1K6PEehas7M8gghvYDylQTm7UcfjTq1Z.VTKk0xx8OdYQ6sqHLPYJNUIBbBAl/",
    ],
  ],
  bcrypt: [
    ["s3cret", "$2b$05$5JtbS.Qo3CUAM9x.6i63PO1pIfiHEMmxtj91y3vInev1qKj0YbxY."], // mkpasswd
    [
      "correct horse battery staple",
      "$2a$05$USHuW5yLcMS8Tp75ZGHc5uPSbWGvT2mkLXK6lPdWoMUGRKmjfc426",
    ],
    ["s3cret", "$2y$05$en7uUg7PawBSB0zJBSweieKAKwZmRozVi0AnOC3.UzWITPFw7lFcO"], // Python crypt
    ["pässwörd", "$2y$06$ypVGXvvo.kmPcc6iGg0wFuyyt7LoN0kz0oizJLYz6jrNflhQMf7Du"],
  ],
};

/** mkpasswd -m bcrypt -R 10 admin-pass: slow enough (~50-100 ms) to see the cache. */
const SLOW_BCRYPT = "$2b$10$H4dYOqbCD2a9iGF4kaDN.O8RgxWekCQPE4kOHpK6TmvHobyIN4ynu";

describe("verifyPassword", () => {
  for (const [scheme, vectors] of Object.entries(VECTORS)) {
    it(`accepts the ${scheme} vectors`, async () => {
      for (const [password, hash] of vectors) {
        assert.equal(hashScheme(hash), scheme, hash);
        assert.equal(await verifyPassword(password, hash), true, hash);
      }
    });

    it(`rejects wrong passwords for ${scheme}`, async () => {
      for (const [password, hash] of vectors) {
        // DES ignores everything after 8 bytes, so a suffix goes unnoticed there.
        const ignored = scheme === "des" && new TextEncoder().encode(password).length >= 8;
        assert.equal(await verifyPassword(password + "x", hash), ignored, hash);
        assert.equal(await verifyPassword("S" + password.slice(1), hash), false, hash);
        assert.equal(await verifyPassword("s3cret!", hash), false, hash);
      }
    });
  }

  it("keeps only the first 8 characters of a DES password (why it is weak)", async () => {
    assert.equal(await verifyPassword("longpass", "./x0kTlw5iEAs"), true);
    assert.equal(await verifyPassword("longpas", "./x0kTlw5iEAs"), false);
  });

  it("rejects a tampered hash", async () => {
    const hash = VECTORS.sha512[0][1];
    assert.equal(await verifyPassword("s3cret", hash.slice(0, -1) + "2"), false);
    assert.equal(await verifyPassword("s3cret", "abhWCwoTZY2c7"), false);
  });

  it("rejects passwords with a NUL character", async () => {
    assert.equal(await verifyPassword("s3cret\0", "abhWCwoTZY2c6"), false);
    assert.equal(await verifyPassword("s3cret\0x", VECTORS.sha256[0][1]), false);
  });

  it("rejects unknown or malformed hashes, including plain text", async () => {
    const unknown = [
      "",
      "s3cret",
      "abhWCwoTZY2c", // DES, one character short
      "abhWCwoTZY2c6:", // DES, foreign character
      "$2x$05$5JtbS.Qo3CUAM9x.6i63PO1pIfiHEMmxtj91y3vInev1qKj0YbxY.", // buggy-bcrypt variant
      "$2b$03$5JtbS.Qo3CUAM9x.6i63PO1pIfiHEMmxtj91y3vInev1qKj0YbxY.", // cost below 4
      "$1$saltsalt$RwMqRjSWhXMKbW72DwzGd", // hash too short
      "$1$saltsalts$RwMqRjSWhXMKbW72DwzGd1", // salt longer than 8
      "$5$rounds=1000000000$abcdefgh$hCFJj2LopzRjosIPnWXaDKRFHymYmBfuaDWzJx9qII4",
      "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", // yescrypt
      "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0",
      "{SHA}Sm4cIRRXfMr1rh8pZ3F3F+rvh8Y=",
    ];
    for (const hash of unknown) {
      assert.equal(hashScheme(hash), undefined, hash);
      assert.equal(await verifyPassword("s3cret", hash), false, hash);
    }
    assert.equal(await verifyPassword("s3cret", "s3cret"), false);
  });
});

describe("hashScheme and isWeakScheme", () => {
  it("flags des, md5 and apr1 as weak, the others not", () => {
    const weak = (Object.keys(VECTORS) as HashScheme[]).filter(isWeakScheme);
    assert.deepEqual(weak, ["des", "md5", "apr1"]);
  });
});

describe("constantTimeEqual", () => {
  it("compares strings of equal and unequal lengths", () => {
    assert.equal(constantTimeEqual("abhWCwoTZY2c6", "abhWCwoTZY2c6"), true);
    assert.equal(constantTimeEqual("abhWCwoTZY2c6", "abhWCwoTZY2c7"), false);
    assert.equal(constantTimeEqual("abhWCwoTZY2c6", "abhWCwoTZY2c"), false);
    assert.equal(constantTimeEqual("abhWCwoTZY2c6", "abhWCwoTZY2c66"), false);
    assert.equal(constantTimeEqual("abc", ""), false);
  });
});

describe("hashPassword", () => {
  it("makes a $2b$ bcrypt hash of cost 12 by default that verifies", async () => {
    const hash = await hashPassword("correct horse");
    assert.match(hash, /^\$2b\$12\$[./0-9A-Za-z]{53}$/);
    assert.equal(hashScheme(hash), "bcrypt");
    assert.equal(await verifyPassword("correct horse", hash), true);
    assert.equal(await verifyPassword("correct horsf", hash), false);
  });

  it("uses a fresh salt each time and honours the cost", async () => {
    const [a, b] = [await hashPassword("pässwörd", 4), await hashPassword("pässwörd", 4)];
    assert.match(a, /^\$2b\$04\$/);
    assert.notEqual(a, b);
    assert.equal(await verifyPassword("pässwörd", a), true);
    assert.equal(await verifyPassword("pässwörd", b), true);
  });

  it("refuses bad costs, NUL characters and passwords bcrypt would cut", async () => {
    for (const cost of [3, 32, 10.5, NaN]) {
      await assert.rejects(
        hashPassword("x", cost),
        /^Error: Cannot hash password: the bcrypt cost/,
      );
    }
    await assert.rejects(hashPassword("a\0b", 4), /^Error: Cannot hash password: .*NUL/);
    await assert.rejects(hashPassword("é".repeat(37), 4), /^Error: Cannot hash password: .*72/);
    assert.match(await hashPassword("x".repeat(72), 4), /^\$2b\$04\$/);
  });
});

describe("PasswordVerifier", () => {
  /** A verifier whose full check counts its calls. */
  function counted(maxEntries?: number) {
    const calls: string[] = [];
    const verifier = new PasswordVerifier({
      maxEntries,
      verify: (password, hash) => {
        calls.push(hash);
        return verifyPassword(password, hash);
      },
    });
    return { verifier, calls };
  }

  it("answers a repeated successful bcrypt check from memory, without the full check", async () => {
    // Counted calls, not milliseconds: how fast a cache hit is belongs in the benchmark.
    const { verifier, calls } = counted();
    assert.equal(await verifier.verify("admin-pass", SLOW_BCRYPT), true);
    assert.equal(await verifier.verify("admin-pass", SLOW_BCRYPT), true);
    assert.equal(await verifier.verify("admin-pass", SLOW_BCRYPT), true);
    assert.deepEqual(calls, [SLOW_BCRYPT]);
    assert.equal(verifier.size, 1);
  });

  it("never answers a wrong password from memory", async () => {
    const { verifier, calls } = counted();
    assert.equal(await verifier.verify("admin-pass", SLOW_BCRYPT), true);
    for (let i = 1; i <= 2; i++) {
      // Each wrong password runs the full bcrypt check (counted), never a cached answer.
      assert.equal(await verifier.verify("admin-pasS", SLOW_BCRYPT), false);
      assert.equal(calls.length, 1 + i);
    }
    assert.equal(verifier.size, 1);
  });

  it("keys on the hash too, so a changed hash is checked again", async () => {
    const { verifier, calls } = counted();
    const [[password, first], [, second]] = [VECTORS.sha256[0], VECTORS.sha256[1]];
    assert.equal(await verifier.verify(password, first), true);
    assert.equal(await verifier.verify(password, second), true);
    assert.equal(await verifier.verify(password, first), true);
    assert.deepEqual(calls, [first, second]);
  });

  it("forgets the least recently used check when full", async () => {
    const { verifier, calls } = counted(2);
    const [a, b, c] = VECTORS.md5;
    await verifier.verify(...a);
    await verifier.verify(...b);
    await verifier.verify(...a); // a is now the most recently used
    await verifier.verify(...c); // so b goes
    assert.equal(verifier.size, 2);
    assert.deepEqual(calls, [a[1], b[1], c[1]]);
    await verifier.verify(...a);
    await verifier.verify(...b);
    assert.deepEqual(calls, [a[1], b[1], c[1], b[1]]);
    verifier.clear();
    assert.equal(verifier.size, 0);
  });

  it("refuses a bad size", () => {
    assert.throws(() => new PasswordVerifier({ maxEntries: 0 }), /^Error: Cannot create password/);
  });
});
