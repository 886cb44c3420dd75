//! A hostile server: the tests edit the server's SQLite database while it
//! runs (it is in WAL mode; each change is seen at the server's next
//! query) the way an operator or an intruder could, and check that the
//! reading or sending client refuses the result with a clear error and
//! exit code 1. A last test reads every stored byte and finds no
//! plaintext.

mod common;
#[allow(dead_code)]
#[path = "common/messaging.rs"]
mod messaging;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use common::fails;
use messaging::{Net, User, contains, have_python_sqlite, noise, sent_id, sql, sql_value};

/// alice, bob and carol, logged in, each having verified the others' keys.
fn trio(net: &Net) -> (User, User, User) {
    let (a, b, c) = (
        net.logged_in("alice"),
        net.logged_in("bob"),
        net.logged_in("carol"),
    );
    for (u, peers) in [
        (&a, ["bob", "carol"]),
        (&b, ["alice", "carol"]),
        (&c, ["alice", "bob"]),
    ] {
        for p in peers {
            u.verify(p);
        }
    }
    (a, b, c)
}

/// `scs read ID` by `user` must exit 1 with one `error:` line saying the
/// message is not authentic; returns that line.
fn refused(user: &User, id: &str) -> String {
    let err = fails(user.scs().args(["read", id]), 1);
    assert!(
        err.contains(&format!("error: message {id} is not authentic: ")),
        "{err}"
    );
    err
}

const SWAP: &str = "\
a, b = args
rows = {i: db.execute('SELECT ciphertext, size FROM messages WHERE id = ?', (i,)).fetchone() for i in (a, b)}
for i, j in ((a, b), (b, a)):
    db.execute('UPDATE messages SET ciphertext = ?, size = ? WHERE id = ?', (rows[j][0], rows[j][1], i))
    db.execute('UPDATE mailbox SET size = ? WHERE message_id = ?', (rows[j][1], i))";

/// A copy of message `src` under id `new`, `shift` seconds later, in the
/// same mailboxes, unread.
const COPY: &str = "\
src, new, shift = args
db.execute('INSERT INTO messages (id, sender, recipients, created_at, size, ciphertext) \
SELECT ?, sender, recipients, created_at + ?, size, ciphertext FROM messages WHERE id = ?', (new, int(shift), src))
db.execute('INSERT INTO mailbox (recipient, message_id, size, is_read) \
SELECT recipient, ?, size, 0 FROM mailbox WHERE message_id = ?', (new, src))";

#[test]
fn a_tampered_mailbox_is_refused_by_the_reader() {
    if !have_python_sqlite() {
        return;
    }
    let net = Net::start("");
    let db = net.db();
    let (alice, bob, carol) = trio(&net);

    // (a) Two messages with the same sender, recipients and time, their
    // ciphertexts swapped: each is authentic, but not the message filed
    // under that id.
    let one = alice.send(&["bob"], "swap one");
    let two = alice.send(&["bob"], "swap two");
    sql(&db, SWAP, &[&one, &two]);
    let err = refused(&bob, &one);
    assert!(
        err.contains(&format!("it was sealed as message {two}")),
        "{err}"
    );
    let err = refused(&bob, &two);
    assert!(
        err.contains(&format!("it was sealed as message {one}")),
        "{err}"
    );
    // Swapped back, both read as sent: the refusal was the swap's doing.
    sql(&db, SWAP, &[&one, &two]);
    assert_eq!(bob.read(&one).lines().last(), Some("swap one"));
    assert_eq!(bob.read(&two).lines().last(), Some("swap two"));

    // Swapped between two senders: signed by someone else than the sender
    // the server names.
    let from_alice = alice.send(&["bob"], "from alice");
    let from_carol = carol.send(&["bob"], "from carol");
    sql(&db, SWAP, &[&from_alice, &from_carol]);
    let err = refused(&bob, &from_alice);
    assert!(err.contains("not by the key pinned for alice"), "{err}");
    let err = refused(&bob, &from_carol);
    assert!(err.contains("not by the key pinned for carol"), "{err}");

    // One bit of the ciphertext flipped.
    let flipped = alice.send(&["bob"], "flip a bit of me");
    sql(
        &db,
        "ct = bytearray(db.execute('SELECT ciphertext FROM messages WHERE id = ?', args).fetchone()[0])\n\
         ct[len(ct) // 2] ^= 1\n\
         db.execute('UPDATE messages SET ciphertext = ? WHERE id = ?', (bytes(ct), args[0]))",
        &[&flipped],
    );
    let err = refused(&bob, &flipped);
    assert!(err.contains("authentication failed"), "{err}");

    // (b) Replays. An old message re-posted: a copy under a new id, an hour
    // after the original (the server's time is the copy's; the signed time
    // inside is the original's).
    let old = alice.send(&["bob"], "the board meets today");
    assert!(bob.read(&old).contains("the board meets today"));
    let replayed = "0123456789abcdef0123456789abcdef";
    sql(&db, COPY, &[&old, replayed, "3600"]);
    let listed = bob.inbox();
    let entry = listed.iter().find(|m| m["id"] == replayed).unwrap();
    assert_eq!(entry["sender"], "alice");
    assert_eq!(entry["read"], false);
    let err = refused(&bob, replayed);
    assert!(
        err.contains("its signed time is far from when the server accepted it"),
        "{err}"
    );
    // Re-posted at once under a new id: the same signed message (same inner
    // id) delivered twice.
    let again = "fedcba9876543210fedcba9876543210";
    sql(&db, COPY, &[&old, again, "0"]);
    let err = refused(&bob, again);
    assert!(
        err.contains(&format!("it was sealed as message {old}")) && err.contains("replayed"),
        "{err}"
    );
    // The original still reads, as often as bob likes.
    assert!(bob.read(&old).contains("the board meets today"));
    // Nobody can claim an existing id for a message of their own either:
    // the server refuses the duplicate (409), the CLI never sends one.
    if server::have_curl() {
        let token = session_token(&carol);
        let body = format!(r#"{{"recipients":["bob"],"ciphertext_b64":"eA==","id":"{old}"}}"#);
        let (status, text) = post_json(&net, &token, "/api/v1/messages", &body);
        assert_eq!(status, 409, "{text}");
        assert!(text.contains("conflict"), "{text}");
        let body = r#"{"recipients":["bob"],"ciphertext_b64":"eA==","id":"NOT-AN-ID"}"#;
        assert_eq!(post_json(&net, &token, "/api/v1/messages", body).0, 400);
    }

    // (c) The sender column changed: alice's message presented as carol's.
    let id = alice.send(&["bob"], "I, alice, wrote this");
    sql(
        &db,
        "db.execute(\"UPDATE messages SET sender = 'carol' WHERE id = ?\", args)",
        &[&id],
    );
    let entry = bob
        .inbox()
        .into_iter()
        .find(|m| m["id"] == id.as_str())
        .unwrap();
    assert_eq!(
        entry["sender"], "carol",
        "the server's claim, unverified in the list"
    );
    let err = refused(&bob, &id);
    assert!(err.contains("not by the key pinned for carol"), "{err}");
    // The recipients changed: carol dropped from bob's view of the list.
    let id = alice.send(&["bob", "carol"], "for bob and carol");
    sql(
        &db,
        "db.execute(\"UPDATE messages SET recipients = 'bob' WHERE id = ?\", args)",
        &[&id],
    );
    let err = refused(&bob, &id);
    assert!(
        err.contains("the recipients differ: the sender addressed it to bob, carol, the server delivered it to bob"),
        "{err}"
    );
    // Misdirected: a message for bob alone also delivered to carol. It is
    // sealed to bob (and alice): carol cannot open it, and says so.
    let id = alice.send(&["bob"], "for bob only");
    sql(
        &db,
        "db.execute(\"UPDATE messages SET recipients = 'bob,carol' WHERE id = ?\", args)\n\
         db.execute(\"INSERT INTO mailbox (recipient, message_id, size, is_read) \
         SELECT 'carol', id, size, 0 FROM messages WHERE id = ?\", args)",
        &[&id],
    );
    assert!(carol.inbox().iter().any(|m| m["id"] == id.as_str()));
    let err = refused(&carol, &id);
    assert!(err.contains("no key or passphrase opens"), "{err}");
    // Bob's copy now names a recipient alice did not write to.
    let err = refused(&bob, &id);
    assert!(err.contains("the recipients differ"), "{err}");

    // (b') A message bob deleted, put back in his mailbox by the server
    // (same id, same ciphertext): refused, bob's client remembers deleting it.
    let id = alice.send(&["bob", "carol"], "read once, then deleted");
    assert!(bob.read(&id).contains("read once, then deleted"));
    bob.ok(bob.scs().args(["rm", &id]));
    sql(
        &db,
        "db.execute(\"INSERT INTO mailbox (recipient, message_id, size, is_read) \
         SELECT 'bob', id, size, 0 FROM messages WHERE id = ?\", args)",
        &[&id],
    );
    assert!(bob.inbox().iter().any(|m| m["id"] == id.as_str()));
    let err = refused(&bob, &id);
    assert!(err.contains("deleted here before"), "{err}");

    // Nothing above was taken for real: bob's contacts are unchanged and
    // his honest messages still read.
    let honest = alice.send(&["bob"], "all is well");
    assert_eq!(bob.read(&honest).lines().last(), Some("all is well"));
}

#[test]
fn a_substituted_certificate_is_refused_until_verified() {
    if !have_python_sqlite() {
        return;
    }
    let net = Net::start("");
    let db = net.db();
    let (alice, bob, carol) = trio(&net);
    let before = alice.verify("bob");
    assert_eq!(
        before,
        bob.verify("alice"),
        "one safety number for the pair"
    );
    let bob_fp = messaging::key_fingerprint(&bob);
    // A message from the real bob that carol has not read yet.
    let from_bob = bob.send(&["carol"], "signed by the real bob");
    // Nothing changed so far.
    alice.send(&["bob"], "before the substitution");

    // The CA signs another certificate for the name bob, with a key the
    // attacker holds, and the directory serves it in place of bob's.
    let mallory = net.tmp.path().join("home-mallory");
    let fake = net.tmp.path().join("fake-bob.pem");
    let out = common::run(
        std::process::Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["cert", "issue", "--ca-dir"])
            .arg(net.srv.dir.join("ca"))
            .args(["--cn", "bob", "--profile", "user", "--key-type", "rsa2048"])
            .args(["--name", "fake-bob", "-o"])
            .arg(&fake)
            .env("SCS_HOME", &mallory)
            .env("SCS_PASSPHRASE", server::CA_PASS)
            .env("SCS_NEW_PASSPHRASE", "mallory's key passphrase"),
    );
    assert!(out.status.success(), "{}", messaging::describe(&out));
    let info: serde_json::Value = serde_json::from_slice(&common::ok(
        std::process::Command::new(env!("CARGO_BIN_EXE_scs"))
            .args(["cert", "show", "--json"])
            .arg(&fake)
            .env("SCS_HOME", &mallory),
    ))
    .unwrap();
    let fake_fp = info["key_fingerprint_sha256"].as_str().unwrap().to_owned();
    assert_ne!(fake_fp, bob_fp);
    let real = sql_value(
        &db,
        "SELECT cert_pem FROM users WHERE username = 'bob'",
        &[],
    );
    let set_cert = "pem, serial, fp, kfp = args\n\
         n = db.execute(\"UPDATE users SET cert_pem = ?, cert_serial = ?, cert_fingerprint = ?, \
         key_fingerprint = ? WHERE username = 'bob'\", (pem, serial, fp, kfp)).rowcount\n\
         assert n == 1";
    sql(
        &db,
        set_cert,
        &[
            &first_pem(&std::fs::read_to_string(&fake).unwrap()),
            info["serial"].as_str().unwrap(),
            info["fingerprint_sha256"].as_str().unwrap(),
            &fake_fp,
        ],
    );

    // Alice has bob's key pinned: sending to the new key is refused, loudly,
    // and nothing is sent.
    let bobs_mail = bob.inbox().len();
    let err = fails(
        alice
            .scs()
            .args(["send", "bob", "-m", "for bob's eyes only"]),
        1,
    );
    assert!(err.contains("refusing to use bob's new key"), "{err}");
    assert!(
        err.contains(&format!(
            "the key of bob has CHANGED since it was pinned (pinned SHA256:{bob_fp}, now SHA256:{fake_fp})"
        )),
        "{err}"
    );
    assert!(err.contains("man in the middle"), "{err}");
    assert_eq!(bob.inbox().len(), bobs_mail);
    // Carol reading a message from bob is refused the same way, though
    // that message is genuine: bob's key must be settled first.
    let err = fails(carol.scs().args(["read", &from_bob]), 1);
    assert!(err.contains("the key of bob has CHANGED"), "{err}");
    // Still refused on every try.
    fails(alice.scs().args(["send", "bob", "-m", "again"]), 1);

    // The safety numbers tell: alice now computes hers over the new key,
    // bob over his own key, and is warned that the server lists another.
    let (out, err) = alice.ok2(alice.scs().args(["contacts", "verify", "bob", "--yes"]));
    assert!(
        err.contains(&format!(
            "warning: bob's key changed from SHA256:{bob_fp} to SHA256:{fake_fp}"
        )),
        "{err}"
    );
    let alices = messaging::safety_number(&out);
    let (out, err) = bob.ok2(bob.scs().args(["contacts", "verify", "alice", "--yes"]));
    assert!(
        err.contains("the server lists another key for you") && err.contains(&fake_fp),
        "{err}"
    );
    let bobs = messaging::safety_number(&out);
    assert_eq!(bobs, before, "bob's number is unchanged");
    assert_ne!(alices, bobs, "the substitution shows in the numbers");

    // Having re-verified (here: wrongly), alice can send again — to the
    // attacker's key, which bob cannot open.
    let id = alice.send(&["bob"], "after re-verifying");
    let err = refused(&bob, &id);
    assert!(err.contains("no key or passphrase opens"), "{err}");

    // Putting bob's real certificate back is a change again, refused until
    // alice verifies once more.
    sql(
        &db,
        "db.execute(\"UPDATE users SET cert_pem = ? WHERE username = 'bob'\", (args[0],))",
        &[&real],
    );
    let err = fails(alice.scs().args(["send", "bob", "-m", "x"]), 1);
    assert!(err.contains("has CHANGED"), "{err}");
    assert_eq!(alice.verify("bob"), before);
    let id = alice.send(&["bob"], "back to normal");
    assert_eq!(bob.read(&id).lines().last(), Some("back to normal"));
    // Carol, who never re-pinned, reads bob's message once his real key is
    // back.
    assert!(carol.read(&from_bob).contains("signed by the real bob"));
}

#[test]
fn the_database_holds_no_plaintext() {
    if !have_python_sqlite() {
        return;
    }
    let mut net = Net::start("");
    let (alice, bob, carol) = trio(&net);
    let texts = [
        "canary 7f3a: the quarterly numbers are down 12%",
        "canary 9b21: meet at the old mill at midnight",
        "canary c4d8: password hint is the dog's name",
    ];
    let mut file = b"canary e5f0: a file body that must stay sealed ".repeat(40);
    file.extend(noise(50_000, 3));
    let path = alice.home.join("report.bin");
    std::fs::write(&path, &file).unwrap();

    let mut ids = vec![
        alice.send(&["bob"], texts[0]),
        bob.send(&["alice", "carol"], texts[1]),
        carol.send(&["bob", "carol"], texts[2]),
    ];
    let out = alice.ok(alice.scs().args(["send", "bob", "carol", "-f"]).arg(&path));
    ids.push(sent_id(&out, &["bob", "carol"]));
    // Some read (and so marked read), some not.
    assert!(bob.read(&ids[0]).contains(texts[0]));
    assert!(carol.read(&ids[1]).contains(texts[1]));

    // What the plaintext could look like in storage: as written, and as the
    // sealed envelope carries the body (base64 in JSON).
    let mut needles: Vec<Vec<u8>> = Vec::new();
    for t in texts {
        needles.push(t.as_bytes().to_vec());
        needles.push(B64.encode(t).into_bytes());
        needles.push(t.split(':').nth(1).unwrap().trim().as_bytes().to_vec());
    }
    needles.push(b"a file body that must stay sealed".to_vec());
    needles.push(file[..48].to_vec());
    needles.push(file[file.len() - 64..].to_vec());
    needles.push(B64.encode(&file[..48 * 3]).into_bytes());
    needles.push(b"\"sent_at\":".to_vec());
    needles.push(b"report.bin".to_vec());

    let db = net.db();
    let check = |what: &str, hay: &[u8]| {
        for n in &needles {
            assert!(
                !contains(hay, n),
                "{what} holds plaintext {:?}",
                String::from_utf8_lossy(n)
            );
        }
    };
    // Every value of every row of every table.
    let rows = dump_rows_checked(&db, &ids);
    check("a database row", &rows);
    // Every file of the server's data directory, the database and its
    // write-ahead log included; once while running, once after a clean stop
    // (which folds the log into the database).
    let scan = |net: &Net| {
        let mut seen = Vec::new();
        for f in files_under(&net.srv.dir) {
            let bytes = std::fs::read(&f).unwrap();
            check(&f.display().to_string(), &bytes);
            seen.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
        seen
    };
    let seen = scan(&net);
    assert!(seen.iter().any(|f| f == "scs.db"), "{seen:?}");
    assert!(seen.iter().any(|f| f == "scs.db-wal"), "{seen:?}");
    assert!(net.srv.stop().success());
    scan(&net);
    let rows = dump_rows_checked(&db, &ids);
    check("a database row after shutdown", &rows);
}

/// [`messaging::dump_rows`], checking that the messages are there (so the
/// scan is not vacuous).
fn dump_rows_checked(db: &std::path::Path, ids: &[String]) -> Vec<u8> {
    let rows = messaging::dump_rows(db);
    for id in ids {
        assert!(contains(&rows, id.as_bytes()), "message {id} is stored");
    }
    assert!(rows.len() > 60_000, "the ciphertexts are in the dump");
    rows
}

/// The first PEM block of `text` (`cert issue -o` writes the chain).
fn first_pem(text: &str) -> String {
    const END: &str = "-----END CERTIFICATE-----";
    let end = text.find(END).expect("a certificate") + END.len();
    format!("{}\n", &text[..end])
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else if p.is_file() {
            out.push(p);
        }
    }
    out
}

/// The session token a client saved at login.
fn session_token(user: &User) -> String {
    let profiles = user.home.join("profiles");
    let current = std::fs::read_to_string(profiles.join("current")).unwrap();
    let text = std::fs::read_to_string(profiles.join(current.trim()).join("session.toml")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("token = "))
        .expect("a token")
        .trim()
        .trim_matches('"')
        .to_owned()
}

/// POSTs JSON with curl (trusting only the server's CA); status and body.
fn post_json(net: &Net, token: &str, path: &str, body: &str) -> (u16, String) {
    let out = common::run(
        std::process::Command::new("curl")
            .args([
                "-sS",
                "--max-time",
                "30",
                "-w",
                "\n%{http_code}",
                "--cacert",
            ])
            .arg(net.srv.ca_pem())
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args([
                "-H",
                "Content-Type: application/json",
                "--data-binary",
                body,
            ])
            .arg(format!("{}{path}", net.srv.url)),
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}
