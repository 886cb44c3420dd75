#!/usr/bin/env bash
# Encrypting and decrypting a page-cached file: scs beside age, gpg and
# openssl enc, same input, output to /dev/null, one run.
#   bench/seal.sh            (SIZE_MIB=1024 RUNS=3 by default)
source "$(dirname "$0")/lib.sh"
need openssl "Debian package openssl"
need age "Debian package age"
need age-keygen "Debian package age"
need gpg "Debian package gnupg"
build_scs

IN=$WORK/input.bin
make_input "$IN"
export SCS_HOME=$WORK/home SCS_PASSPHRASE=bench-passphrase
export GNUPGHOME=$WORK/gnupg
rm -rf "$SCS_HOME" "$WORK/results" "$GNUPGHOME"
mkdir -p -m 700 "$GNUPGHOME"
PASS=bench-passphrase

# Keys: an RSA-3072 recipient for scs (also as an unencrypted PEM file, as
# age's identity file is unencrypted), an X25519 identity for age.
"$SCS" key gen --type rsa3072 --name bench > /dev/null
"$SCS" key export bench -o "$WORK/bench.pub"
openssl pkey -in "$SCS_HOME/keys/bench/private.pem" -passin env:SCS_PASSPHRASE -out "$WORK/bench.key"
age-keygen -o "$WORK/age.key" 2> /dev/null
AGE_RCPT=$(age-keygen -y "$WORK/age.key")

# Sealed inputs for the decryption runs.
"$SCS" encrypt -r "$WORK/bench.pub" -o "$WORK/in.scs" "$IN"
age -r "$AGE_RCPT" -o "$WORK/in.age" "$IN"
gpg --batch --quiet --pinentry-mode loopback --passphrase "$PASS" --symmetric --compress-algo none -o "$WORK/in.gpg" "$IN"
openssl enc -aes-256-cbc -pbkdf2 -pass pass:$PASS -in "$IN" -out "$WORK/in.enc"

echo "input: $SIZE_MIB MiB, best of $RUNS runs, $(nproc) cores, output to /dev/null"
echo "encrypt"
measure "scs encrypt -r (RSA-3072)"          "$SCS" encrypt -r "$WORK/bench.pub" "$IN"
measure "age -r (X25519)"                    age -r "$AGE_RCPT" "$IN"
measure "gpg --symmetric"                    gpg --batch --quiet --pinentry-mode loopback --passphrase "$PASS" --symmetric --compress-algo none -o - "$IN"
measure "openssl enc -aes-256-cbc -pbkdf2"   openssl enc -aes-256-cbc -pbkdf2 -pass pass:$PASS -in "$IN"
measure "scs encrypt -r --sign (Ed25519)"    sh -c "\"$SCS\" key show signer >/dev/null 2>&1 || \"$SCS\" key gen -t ed25519 --name signer >/dev/null; exec \"$SCS\" encrypt -r \"$WORK/bench.pub\" --sign signer \"$IN\""
echo "decrypt"
measure "scs decrypt -i KEY.pem"             "$SCS" decrypt -i "$WORK/bench.key" "$WORK/in.scs"
measure "scs decrypt (keystore key)"         "$SCS" decrypt "$WORK/in.scs"
measure "age -d -i"                          age -d -i "$WORK/age.key" "$WORK/in.age"
measure "gpg --decrypt"                      gpg --batch --quiet --pinentry-mode loopback --passphrase "$PASS" -d "$WORK/in.gpg"
measure "openssl enc -d -aes-256-cbc -pbkdf2" openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:$PASS -in "$WORK/in.enc"

echo "ratios (higher is faster for scs)"
ratio "scs encrypt -r (RSA-3072)" "age -r (X25519)"
ratio "scs encrypt -r (RSA-3072)" "gpg --symmetric"
ratio "scs encrypt -r (RSA-3072)" "openssl enc -aes-256-cbc -pbkdf2"
ratio "scs decrypt -i KEY.pem" "age -d -i"
ratio "scs decrypt -i KEY.pem" "gpg --decrypt"
ratio "scs decrypt -i KEY.pem" "openssl enc -d -aes-256-cbc -pbkdf2"
python3 - "$WORK/results" <<'PY'
import sys
rows = {l.split("\t")[0]: float(l.split("\t")[1]) for l in open(sys.argv[1])}
d = rows["scs decrypt (keystore key)"] - rows["scs decrypt -i KEY.pem"]
print(f"  keystore unlock (PBKDF2-SHA256, 600000 iterations) adds about {d*1000:.0f} ms")
PY
[ -n "${KEEP:-}" ] || rm -rf "$WORK"
