package dev.parley.tenancy;

/** Lets tests in other packages build a SecretBox from raw key bytes. */
public final class SecretBoxAccess {
    private SecretBoxAccess() {}

    public static SecretBox withKey(byte[] key) {
        return new SecretBox(key);
    }
}
