//! End-to-end messaging through the real `scs` binary and a real
//! `scs server`: three users, each with a home of their own, send, list,
//! read and delete sealed and signed messages, receive them while offline,
//! exchange files, hit the configured limits, and chat live.

mod common;
#[allow(dead_code)]
#[path = "common/messaging.rs"]
mod messaging;
#[allow(dead_code)]
#[path = "common/server.rs"]
mod server;

use std::time::Duration;

use common::fails;
use messaging::{Live, Net, field, noise, sent_id, sent_size};

fn ids(list: &[serde_json::Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn three_users_send_list_read_and_delete() {
    let net = Net::start("");
    let alice = net.logged_in("alice");
    let bob = net.logged_in("bob");
    // Carol has an account but is not logged in anywhere, and runs nothing,
    // while messages for her are sent.
    let carol = net.registered("carol");

    // To one user. The first use of bob's key pins it, and says so.
    let (out, err) = alice.ok2(
        alice
            .scs()
            .args(["send", "bob", "-m", "Lunch at noon, Bob?"]),
    );
    let to_bob = sent_id(&out, &["bob"]);
    assert!(err.contains("pinned bob's key SHA256:"), "{err}");
    // To several users (listed twice: the message goes once to each).
    let out = alice.ok(alice.scs().args([
        "send",
        "carol",
        "bob",
        "carol",
        "-m",
        "The meeting moved to 3 pm.",
    ]));
    let to_both = sent_id(&out, &["bob", "carol"]);
    // The message from standard input.
    let out = server::pipe(
        alice.scs().args(["send", "bob"]),
        b"A note from standard input\nwith two lines\n",
    );
    assert!(out.status.success(), "{}", messaging::describe(&out));
    let from_stdin = sent_id(&String::from_utf8_lossy(&out.stdout), &["bob"]);

    // Bob's inbox: three new messages from alice, oldest first.
    let list = bob.inbox();
    assert_eq!(ids(&list), [to_bob.as_str(), &to_both, &from_stdin]);
    for m in &list {
        assert_eq!(m["sender"], "alice");
        assert_eq!(m["read"], false);
        assert!(m["size"].as_u64().unwrap() > 0);
    }
    assert_eq!(list[1]["recipients"], serde_json::json!(["bob", "carol"]));
    let table = bob.ok(bob.scs().arg("inbox"));
    assert!(table.starts_with("ID "), "{table}");
    for id in [&to_bob, &to_both, &from_stdin] {
        let line = table.lines().find(|l| l.starts_with(id.as_str())).unwrap();
        assert!(line.contains("alice") && line.ends_with("new"), "{line}");
    }

    // Reading decrypts, checks the signature against alice's key (pinned
    // now, on first use) and shows who wrote it to whom.
    let (text, err) = bob.ok2(bob.scs().args(["read", &to_bob]));
    assert!(err.contains("pinned alice's key SHA256:"), "{err}");
    assert_eq!(field(&text, "From:"), "alice");
    assert_eq!(field(&text, "To:"), "bob");
    assert_eq!(field(&text, "Message:"), to_bob);
    let alice_fp = messaging::key_fingerprint(&alice);
    let sig = field(&text, "Signature:");
    assert!(sig.starts_with("verified, key SHA256:"), "{sig}");
    let signer = sig
        .trim_start_matches("verified, key SHA256:")
        .split(' ')
        .next()
        .unwrap();
    assert_eq!(signer, alice_fp, "the signer is alice");
    assert!(sig.ends_with("(pinned on first use)"), "{sig}");
    assert_eq!(text.lines().last(), Some("Lunch at noon, Bob?"));

    let text = bob.read(&from_stdin);
    assert!(
        text.ends_with("A note from standard input\nwith two lines\n"),
        "{text}"
    );

    // --unread lists what was not fetched yet; the rest is marked read.
    let unread = bob.ok(bob.scs().args(["inbox", "--unread", "--json"]));
    let unread: Vec<serde_json::Value> = serde_json::from_str(&unread).unwrap();
    assert_eq!(ids(&unread), [to_both.as_str()]);
    let table = bob.ok(bob.scs().args(["inbox", "--unread"]));
    assert_eq!(table.lines().count(), 2, "{table}");
    let list = bob.inbox();
    assert_eq!(
        list.iter()
            .map(|m| m["read"].as_bool().unwrap())
            .collect::<Vec<_>>(),
        [true, false, true]
    );

    // The multi-recipient message, as JSON.
    let v: serde_json::Value =
        serde_json::from_str(&bob.ok(bob.scs().args(["read", &to_both, "--json"]))).unwrap();
    assert_eq!(v["id"], to_both.as_str());
    assert_eq!(v["from"], "alice");
    assert_eq!(v["to"], serde_json::json!(["bob", "carol"]));
    assert_eq!(v["signature"], "verified");
    assert_eq!(v["text"], "The meeting moved to 3 pm.");
    assert_eq!(v["key_verified_in_person"], false);
    let skew = v["received_at"].as_i64().unwrap() - v["sent_at"].as_i64().unwrap();
    assert!((0..=60).contains(&skew), "{v}");

    // Offline delivery: carol logs in only now and finds her message.
    carol.login();
    let list = carol.inbox();
    assert_eq!(
        ids(&list),
        [to_both.as_str()],
        "carol sees only what was sent to her"
    );
    let text = carol.read(&to_both);
    assert_eq!(field(&text, "From:"), "alice");
    assert_eq!(field(&text, "To:"), "bob, carol");
    assert_eq!(text.lines().last(), Some("The meeting moved to 3 pm."));
    // Nobody reads another's mailbox, not even the sender.
    let err = fails(carol.scs().args(["read", &to_bob]), 2);
    assert!(err.contains("no such message"), "{err}");
    let err = fails(alice.scs().args(["read", &to_bob]), 2);
    assert!(err.contains("no such message"), "{err}");
    assert!(alice.inbox().is_empty());

    // After comparing safety numbers, bob sees alice's key as verified.
    let bobs = bob.verify("alice");
    let alices = alice.verify("bob");
    assert_eq!(bobs, alices, "both see the same safety number");
    let text = bob.read(&to_bob);
    assert!(
        field(&text, "Signature:").ends_with("(verified in person)"),
        "{text}"
    );
    let contacts: Vec<serde_json::Value> =
        serde_json::from_str(&bob.ok(bob.scs().args(["contacts", "list", "--json"]))).unwrap();
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(contacts[0]["user"], "alice");
    assert_eq!(contacts[0]["verified"], true);
    assert_eq!(contacts[0]["key_fingerprint"], alice_fp.as_str());

    // Deleting: gone from bob's mailbox, still in carol's until she
    // deletes it too.
    let out = bob.ok(bob.scs().args(["rm", &to_both, &from_stdin]));
    assert_eq!(
        out,
        format!("deleted {to_both}\ndeleted {from_stdin}\n"),
        "{out}"
    );
    assert_eq!(ids(&bob.inbox()), [to_bob.as_str()]);
    let err = fails(bob.scs().args(["read", &to_both]), 2);
    assert!(err.contains("no such message"), "{err}");
    let err = fails(bob.scs().args(["rm", &to_both]), 2);
    assert!(err.contains("no such message"), "{err}");
    assert!(carol.read(&to_both).contains("The meeting moved to 3 pm."));
    carol.ok(carol.scs().args(["rm", &to_both]));
    assert!(carol.inbox().is_empty());
    if messaging::have_python_sqlite() {
        // The last recipient's delete removed the message itself.
        assert_eq!(
            messaging::sql_value(
                &net.db(),
                "SELECT COUNT(*) FROM messages WHERE id = ?",
                &[&to_both]
            ),
            "0"
        );
    }
    // Bad ids are refused before anything is sent.
    let err = fails(bob.scs().args(["read", "../../etc/passwd"]), 2);
    assert!(err.contains("not a message id"), "{err}");
    let err = fails(alice.scs().args(["send", "nobody", "-m", "hi"]), 2);
    assert!(err.contains("nobody"), "{err}");
}

#[test]
fn files_travel_byte_for_byte() {
    let net = Net::start("");
    let alice = net.logged_in("alice");
    let bob = net.logged_in("bob");
    let mut bytes = noise(300_000, 7);
    bytes[1000..1100].fill(0);
    let src = alice.home.join("photo.raw");
    std::fs::write(&src, &bytes).unwrap();

    let out = alice.ok(alice.scs().args(["send", "bob", "-f"]).arg(&src));
    let id = sent_id(&out, &["bob"]);
    assert!(sent_size(&out) > 300_000);

    // Without -o the body is not printed: it is a file.
    let (text, err) = bob.ok2(bob.scs().args(["read", &id]));
    assert_eq!(field(&text, "File:"), "photo.raw (300000 bytes)");
    assert!(err.contains("save it with -o FILE"), "{err}");
    assert!(text.len() < 1000, "no body on stdout");

    let dst = bob.home.join("received.raw");
    let (_, err) = bob.ok2(bob.scs().args(["read", &id, "-o"]).arg(&dst));
    assert!(err.contains("wrote 300000 bytes"), "{err}");
    assert!(std::fs::read(&dst).unwrap() == bytes, "the same bytes");
    // An existing file is not overwritten without --force.
    let err = fails(bob.scs().args(["read", &id, "-o"]).arg(&dst), 2);
    assert!(err.contains("exists"), "{err}");
    std::fs::write(&dst, b"old").unwrap();
    bob.ok(bob.scs().args(["read", &id, "--force", "-o"]).arg(&dst));
    assert!(std::fs::read(&dst).unwrap() == bytes);
    // To standard output with -o -.
    let out = common::run(bob.scs().args(["read", &id, "-o", "-"]));
    assert!(out.status.success(), "{}", messaging::describe(&out));
    assert!(out.stdout.ends_with(&bytes));
}

#[test]
fn size_limit_and_mailbox_quota_give_clear_errors() {
    let net = Net::start("[messaging]\nmax_message_bytes = 20000\nmailbox_quota_bytes = 40000");
    let alice = net.logged_in("alice");
    let bob = net.logged_in("bob");
    alice.verify("bob");

    // 16 KiB seal to about 24 KB of ciphertext: over the limit.
    let big = alice.home.join("big.bin");
    std::fs::write(&big, noise(16 * 1024, 1)).unwrap();
    let err = fails(alice.scs().args(["send", "bob", "-f"]).arg(&big), 2);
    assert!(
        err.contains("a message has at most 20000 bytes of ciphertext"),
        "{err}"
    );
    assert!(bob.inbox().is_empty());

    // 9000 bytes seal to about 14 KB: two fit in 40 000 bytes, three do not.
    let mid = alice.home.join("mid.bin");
    std::fs::write(&mid, noise(9000, 2)).unwrap();
    let mut used = 0;
    let mut sent = Vec::new();
    for _ in 0..2 {
        let out = alice.ok(alice.scs().args(["send", "bob", "-f"]).arg(&mid));
        used += sent_size(&out);
        sent.push(sent_id(&out, &["bob"]));
    }
    assert!(used <= 40_000 && used * 3 / 2 > 40_000, "{used}");
    let err = fails(alice.scs().args(["send", "bob", "-f"]).arg(&mid), 2);
    assert!(err.contains("the mailbox of 'bob' is full"), "{err}");
    assert_eq!(bob.inbox().len(), 2);
    // A refused multi-recipient message reaches nobody.
    let carol = net.logged_in("carol");
    alice.verify("carol");
    let err = fails(
        alice.scs().args(["send", "carol", "bob", "-f"]).arg(&mid),
        2,
    );
    assert!(err.contains("the mailbox of 'bob' is full"), "{err}");
    assert!(carol.inbox().is_empty());
    // Deleting frees room.
    bob.ok(bob.scs().args(["rm", &sent[0]]));
    let out = alice.ok(alice.scs().args(["send", "bob", "-f"]).arg(&mid));
    let id = sent_id(&out, &["bob"]);
    assert_eq!(bob.inbox().len(), 2);
    let dst = bob.home.join("mid.out");
    bob.ok(bob.scs().args(["read", &id, "-o"]).arg(&dst));
    assert_eq!(std::fs::read(&dst).unwrap(), noise(9000, 2));
}

#[test]
fn scripted_live_chat() {
    let net = Net::start("");
    let alice = net.logged_in("alice");
    let bob = net.logged_in("bob");
    let carol = net.logged_in("carol");
    for (u, peers) in [
        (&alice, ["bob", "carol"]),
        (&bob, ["alice", "carol"]),
        (&carol, ["alice", "bob"]),
    ] {
        for p in peers {
            u.verify(p);
        }
    }
    let wait = Duration::from_secs(30);

    // Sent while bob runs nothing: his chat shows it when it starts.
    alice.send(&["bob"], "are you there?");
    let mut b = Live::spawn("bob", {
        let mut c = bob.scs();
        c.args(["chat", "alice"]);
        c
    });
    let line = b.expect('o', wait, |l| l.contains("alice: are you there?"));
    assert!(line.starts_with('['), "{line}");
    b.expect('e', wait, |l| l.starts_with("chatting with alice"));
    let mut a = Live::spawn("alice", {
        let mut c = alice.scs();
        c.args(["chat", "bob"]);
        c
    });
    a.expect('e', wait, |l| l.starts_with("chatting with bob"));

    a.say("hello bob, this is alice");
    b.expect('o', wait, |l| {
        l.ends_with("alice: hello bob, this is alice")
    });
    b.say("hi alice! bob here");
    a.expect('o', wait, |l| l.ends_with("bob: hi alice! bob here"));
    for i in 0..3 {
        a.say(&format!("line {i} from alice"));
    }
    for i in 0..3 {
        b.expect('o', wait, |l| {
            l.ends_with(&format!("alice: line {i} from alice"))
        });
    }
    // Someone else writing to alice is announced, not mixed into the chat.
    let id = carol.send(&["alice"], "psst, it's carol");
    let note = a.expect('e', wait, |l| l.contains("new message from carol"));
    assert!(note.contains(&format!("scs read {id}")), "{note}");
    assert!(
        !a.seen()
            .iter()
            .any(|(s, l)| *s == 'o' && l.contains("psst")),
        "carol's message is not shown in the chat with bob"
    );

    // End of input leaves the chat cleanly.
    assert!(a.finish(wait).success(), "{:#?}", a.seen());
    assert!(b.finish(wait).success(), "{:#?}", b.seen());
    // Nothing was refused, and every line went through the server: bob's
    // mailbox holds alice's five messages.
    for live in [&mut a, &mut b] {
        assert!(
            !live.seen().iter().any(|(_, l)| l.contains("refused")),
            "{:#?}",
            live.seen()
        );
    }
    let from_alice = bob
        .inbox()
        .iter()
        .filter(|m| m["sender"] == "alice")
        .count();
    assert_eq!(from_alice, 5);
    assert!(alice.read(&id).contains("psst, it's carol"));
}
