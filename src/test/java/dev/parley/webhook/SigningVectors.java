package dev.parley.webhook;

/** Expected values computed outside Java: printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_test */
final class SigningVectors {
    static final String OPENSSL_HMAC = "35495024f4ef3f94e5a93e22221544c4b75e9a42300cd965ab81cb85cd994e91";

    private SigningVectors() {}
}
