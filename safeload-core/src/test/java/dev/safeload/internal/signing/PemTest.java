package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEM parsing of configuration keys and certificates, with openssl-made inputs. */
class PemTest {

    @TempDir
    static Path dir;

    @BeforeAll
    static void tools() {
        Tools.assumeTool("openssl");
    }

    static byte[] openssl(String... args) {
        return Tools.openssl(dir, args);
    }

    static Path privateKey(String name, String... genpkeyArgs) {
        Path out = dir.resolve(name);
        if (!Files.exists(out)) {
            String[] args = new String[genpkeyArgs.length + 3];
            args[0] = "genpkey";
            System.arraycopy(genpkeyArgs, 0, args, 1, genpkeyArgs.length);
            args[args.length - 2] = "-out";
            args[args.length - 1] = out.toString();
            openssl(args);
        }
        return out;
    }

    static byte[] publicPem(Path privateKey) {
        return openssl("pkey", "-in", privateKey.toString(), "-pubout");
    }

    static byte[] pem(String type, byte[] der) {
        return ("-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
                + "\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    @Test
    void acceptedKeyTypes() {
        Path p256 = privateKey("p256.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        Path p384 = privateKey("p384.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384");
        Path p521 = privateKey("p521.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521");
        Path ed = privateKey("ed.pem", "-algorithm", "ED25519");
        Path rsa = privateKey("rsa2048.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        List<PublicKey> keys = Pem.publicKeys(concat(publicPem(p256), publicPem(p384), publicPem(p521),
                publicPem(ed), publicPem(rsa)));
        assertThat(keys).hasSize(5);
        assertThat(keys.subList(0, 3)).allSatisfy(k -> assertThat(k).isInstanceOf(ECPublicKey.class));
        assertThat(Pem.isEd25519(keys.get(3))).isTrue();
        assertThat(keys.get(4)).isInstanceOf(RSAPublicKey.class);
    }

    @Test
    void rsaPublicKeyPkcs1Form_accepted() {
        Path rsa = privateKey("rsa2048.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048");
        byte[] pkcs1 = openssl("rsa", "-in", rsa.toString(), "-RSAPublicKey_out");
        assertThat(new String(pkcs1, StandardCharsets.US_ASCII)).contains("BEGIN RSA PUBLIC KEY");
        assertThat(Pem.publicKeys(pkcs1)).singleElement()
                .isEqualTo(Pem.publicKeys(publicPem(rsa)).get(0));
    }

    @Test
    void ecParametersBlockAndPreambleText_skipped() {
        byte[] parameters = openssl("ecparam", "-name", "prime256v1");
        Path p256 = privateKey("p256.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        byte[] preamble = "Public Key Info:\n\tPublic Key Algorithm: EC\n\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(Pem.publicKeys(concat(preamble, parameters, publicPem(p256)))).hasSize(1);
    }

    @Test
    void fingerprint_isSha256OfDerSubjectPublicKeyInfo() {
        Path p256 = privateKey("p256.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        byte[] der = openssl("pkey", "-in", p256.toString(), "-pubout", "-outform", "DER");
        String expected = HexFormat.of().formatHex(Tools.sha256(der));
        assertThat(Pem.fingerprint(Pem.publicKeys(publicPem(p256)).get(0))).isEqualTo(expected).isLowerCase();
    }

    @Test
    void certificates_parsedAndNotAcceptedAsKeys() {
        Path key = dir.resolve("cert-key.pem");
        Path cert = dir.resolve("cert.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
                "/CN=safeload test", "-days", "2", "-keyout", key.toString(), "-out", cert.toString());
        byte[] pem = Tools.read(cert);
        assertThat(Pem.certificates(pem)).singleElement()
                .satisfies(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=safeload test"));
        assertThatThrownBy(() -> Pem.publicKeys(pem)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("certificate");
        assertThatThrownBy(() -> Pem.certificates(publicPem(key))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a certificate");
    }

    @Test
    void privateKey_refusedWithoutEchoingIt() {
        Path ed = privateKey("ed.pem", "-algorithm", "ED25519");
        byte[] secret = Tools.read(ed);
        assertThatThrownBy(() -> Pem.publicKeys(secret)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private key")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("MC4CAQ"));
        byte[] encrypted = openssl("pkey", "-in", ed.toString(), "-aes256", "-passout", "pass:secret");
        byte[] traditionalEc = openssl("ecparam", "-name", "prime256v1", "-genkey");
        for (byte[] pem : List.of(encrypted, traditionalEc)) {
            assertThatThrownBy(() -> Pem.publicKeys(pem)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("private key");
        }
    }

    @Test
    void weakOrUnsupportedKeys_refused() throws Exception {
        Path rsa1024 = privateKey("rsa1024.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024");
        assertThatThrownBy(() -> Pem.publicKeys(publicPem(rsa1024)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1024 bits");

        Path k1 = privateKey("k1.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1");
        assertThatThrownBy(() -> Pem.publicKeys(publicPem(k1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curve");

        Path ed448 = privateKey("ed448.pem", "-algorithm", "ED448");
        assertThatThrownBy(() -> Pem.publicKeys(publicPem(ed448)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refused");

        KeyPairGenerator dsa = KeyPairGenerator.getInstance("DSA");
        dsa.initialize(2048);
        byte[] dsaPem = pem("PUBLIC KEY", dsa.generateKeyPair().getPublic().getEncoded());
        assertThatThrownBy(() -> Pem.publicKeys(dsaPem))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DSA");

        Path explicit = dir.resolve("explicit.pem");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-param_enc", "explicit", "-out",
                explicit.toString());
        byte[] explicitPublic = openssl("ec", "-in", explicit.toString(), "-pubout", "-param_enc", "explicit");
        assertThatThrownBy(() -> Pem.publicKeys(explicitPublic))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("curve");
    }

    @Test
    void malformedOrEmpty_refused() {
        Path p256 = privateKey("p256.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256");
        String good = new String(publicPem(p256), StandardCharsets.US_ASCII);
        List<String> bad = List.of(
                "",
                "just some words\n",
                good.replace("-----END PUBLIC KEY-----", ""),
                good.replace("-----END PUBLIC KEY-----", "-----END CERTIFICATE-----"),
                good.substring(0, 60) + "!!!!" + good.substring(64),
                "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
                "-----BEGIN FROBNICATOR-----\nAAAA\n-----END FROBNICATOR-----\n");
        for (String text : bad) {
            byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
            assertThatThrownBy(() -> Pem.publicKeys(bytes)).as(text).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> Pem.certificates(bytes)).as(text).isInstanceOf(IllegalArgumentException.class);
        }
    }
}
