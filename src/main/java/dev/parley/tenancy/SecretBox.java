package dev.parley.tenancy;

import dev.parley.config.ParleyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Secrets at rest (webhook signing secrets now, SIP trunk passwords later): AES-256-GCM under a
 * master key that never enters the database. The key comes from {@code secrets.master.key}, or is
 * generated once into {@code <data-dir>/master.key} (mode 600). Nodes sharing one external database
 * must share the key; a ciphertext names the key it was made with, so a mismatch is reported as
 * such rather than as corruption.
 *
 * <p>Layout: version (1 byte) | key id (4 bytes of SHA-256 of the key) | nonce (12) | ciphertext+tag.
 */
public final class SecretBox {
    private static final byte VERSION = 1;
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretKeySpec key;
    private final byte[] keyId;

    SecretBox(byte[] rawKey) {
        this.key = new SecretKeySpec(rawKey, "AES");
        try {
            this.keyId = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest(rawKey), 4);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static SecretBox open(ParleyConfig config) {
        if (config.secrets().masterKey().isPresent()) {
            return new SecretBox(Base64.getDecoder().decode(config.secrets().masterKey().get()));
        }
        Path file = config.dataDir().resolve("master.key");
        try {
            if (!Files.exists(file)) {
                Files.createDirectories(config.dataDir());
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path tmp = Files.createTempFile(config.dataDir(), "master", ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(tmp, Base64.getEncoder().encodeToString(fresh) + "\n", StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.move(tmp, file); // atomic: a concurrent first start keeps whichever landed first
                } catch (FileAlreadyExistsException e) {
                    Files.deleteIfExists(tmp);
                }
            }
            byte[] raw = Base64.getDecoder().decode(Files.readString(file).strip());
            if (raw.length != 32) {
                throw new IllegalStateException(file + " does not hold a 32-byte base64 key; restore it from a backup");
            }
            return new SecretBox(raw);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read or create the master key " + file, e);
        }
    }

    public byte[] seal(String secret) {
        byte[] nonce = new byte[12];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            c.updateAAD(keyId);
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + 4 + 12 + ct.length).put(VERSION).put(keyId).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    public String open(byte[] sealed) {
        if (sealed.length < 1 + 4 + 12 + 16 || sealed[0] != VERSION) {
            throw new IllegalStateException("a stored secret has an unknown format");
        }
        byte[] id = Arrays.copyOfRange(sealed, 1, 5);
        if (!MessageDigest.isEqual(id, keyId)) {
            throw new IllegalStateException("a stored secret was encrypted with another master key; give every node the"
                    + " same secrets.master.key (or the master.key file of the node that created it)");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, sealed, 5, 12));
            c.updateAAD(keyId);
            return new String(c.doFinal(sealed, 17, sealed.length - 17), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored secret failed its integrity check", e);
        }
    }
}
