package dev.parley.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Golden values published by AWS: the SigV4 test suite's "get-vanilla" request, and the two worked
 * examples of S3's "Authenticating Requests: Using the Authorization Header" page (GET object with a
 * Range header, PUT object with a storage class). A signer that passes all three canonicalizes,
 * derives its key and signs as AWS does.
 */
@Tag("unit")
class SigV4Test {
    static final String EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    static final String S3_ACCESS = "AKIAIOSFODNN7EXAMPLE";
    static final String S3_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    static final String S3_HOST = "examplebucket.s3.amazonaws.com";

    @Test
    void theTestSuitesGetVanillaRequest() {
        String authorization = SigV4.authorization("GET", "/", "",
                SigV4.headers(Map.of("Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z")), EMPTY,
                "us-east-1", "service", "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        assertThat(authorization).isEqualTo("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
                + " SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
        assertThat(SigV4.sha256Hex(new byte[0])).isEqualTo(EMPTY);
        assertThat(SigV4.amzDate(Instant.parse("2015-08-30T12:36:00Z"))).isEqualTo("20150830T123600Z");
    }

    @Test
    void s3sGetObjectExample() {
        String authorization = SigV4.authorization("GET", "/test.txt", "", SigV4.headers(Map.of("Host", S3_HOST,
                        "Range", "bytes=0-9", "x-amz-content-sha256", EMPTY, "x-amz-date", "20130524T000000Z")), EMPTY,
                "us-east-1", "s3", S3_ACCESS, S3_SECRET);
        assertThat(authorization).isEqualTo("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
                + " SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
                + " Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
    }

    @Test
    void s3sPutObjectExampleWithItsKeyPercentEncoded() {
        String payload = SigV4.sha256Hex("Welcome to Amazon S3.".getBytes(StandardCharsets.UTF_8));
        assertThat(payload).isEqualTo("44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
        String path = "/" + SigV4.encodeSegment("test$file.text");
        assertThat(path).isEqualTo("/test%24file.text");
        String authorization = SigV4.authorization("PUT", path, "", SigV4.headers(Map.of(
                        "Date", "Fri, 24 May 2013 00:00:00 GMT", "Host", S3_HOST, "x-amz-date", "20130524T000000Z",
                        "x-amz-storage-class", "REDUCED_REDUNDANCY", "x-amz-content-sha256", payload)), payload,
                "us-east-1", "s3", S3_ACCESS, S3_SECRET);
        assertThat(authorization).endsWith("SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class,"
                + " Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
    }

    @Test
    void keySegmentsAreEncodedOnceAsUtf8() {
        assertThat(SigV4.encodeSegment("a b+c~d_e.f-g")).isEqualTo("a%20b%2Bc~d_e.f-g");
        assertThat(SigV4.encodeSegment("é")).isEqualTo("%C3%A9");
    }
}
