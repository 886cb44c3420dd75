#!/usr/bin/env bash
# Hashing and signing a page-cached file: scs beside openssl and coreutils,
# same input, one run. Prints time, throughput, peak RSS and ratios.
#   bench/hash-sign.sh            (SIZE_MIB=1024 RUNS=3 by default)
source "$(dirname "$0")/lib.sh"
need openssl "Debian package openssl"
need sha256sum coreutils
build_scs

IN=$WORK/input.bin
make_input "$IN"
export SCS_HOME=$WORK/home SCS_PASSPHRASE=bench-passphrase
rm -rf "$SCS_HOME" "$WORK/results"
"$SCS" key gen --type rsa3072 --name bench > /dev/null
KEY=$SCS_HOME/keys/bench/private.pem
openssl pkey -in "$KEY" -passin env:SCS_PASSPHRASE -out "$WORK/plain.pem"

echo "input: $SIZE_MIB MiB, best of $RUNS runs, $(nproc) cores"
echo "hashing"
measure "scs hash -a sha256"        "$SCS" hash -a sha256 "$IN"
measure "openssl dgst -sha256"      openssl dgst -sha256 "$IN"
measure "sha256sum"                 sha256sum "$IN"
measure "scs hash -a blake3"        "$SCS" hash -a blake3 "$IN"
measure "scs hash -a sha512"        "$SCS" hash -a sha512 "$IN"
measure "openssl dgst -sha512"      openssl dgst -sha512 "$IN"
measure "scs hash -a sha3-256"      "$SCS" hash -a sha3-256 "$IN"
measure "openssl dgst -sha3-256"    openssl dgst -sha3-256 "$IN"
measure "scs hash -a md5"           "$SCS" hash -a md5 "$IN"
measure "md5sum"                    md5sum "$IN"
echo "signing (RSA-3072, PSS, SHA-256)"
measure "scs sign (keystore key)"   "$SCS" sign --key bench -o /dev/null "$IN"
measure "openssl dgst -sign"        openssl dgst -sha256 -sign "$WORK/plain.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -out /dev/null "$IN"
"$SCS" sign --key bench -o "$WORK/sig" "$IN"
"$SCS" key export bench -o "$WORK/pub.pem"
measure "scs verify"                "$SCS" verify --key "$WORK/pub.pem" --signature "$WORK/sig" "$IN"
measure "openssl dgst -verify"      openssl dgst -sha256 -verify "$WORK/pub.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -signature "$WORK/sig" "$IN"

echo "ratios (higher is faster for the first)"
ratio "scs hash -a sha256" "openssl dgst -sha256"
ratio "scs hash -a sha256" "sha256sum"
ratio "scs hash -a blake3" "scs hash -a sha256"
ratio "scs hash -a sha512" "openssl dgst -sha512"
ratio "scs hash -a sha3-256" "openssl dgst -sha3-256"
ratio "scs hash -a md5" "md5sum"
ratio "scs sign (keystore key)" "openssl dgst -sign"
ratio "scs verify" "openssl dgst -verify"
[ -n "${KEEP:-}" ] || rm -rf "$WORK"
