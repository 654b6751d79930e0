package dev.safeload.internal.signing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

import org.bouncycastle.bcpg.ArmoredInputStream;
import org.bouncycastle.openpgp.PGPSignature;
import org.bouncycastle.openpgp.PGPSignatureList;
import org.bouncycastle.openpgp.api.OpenPGPApi;
import org.bouncycastle.openpgp.api.OpenPGPKey;
import org.bouncycastle.openpgp.api.bc.BcOpenPGPApi;
import org.bouncycastle.openpgp.bc.BcPGPObjectFactory;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Hostile signature bytes always reach a verdict without an exception, and are never valid unless they still carry
 * an original signature unchanged (only bytes outside the signed data, such as OpenPGP's unhashed subpackets,
 * armor headers or base64 line breaks, were touched, or an extra OpenPGP packet that names an unknown issuer
 * was added next to the original, which the multiple-signature policy ignores).
 */
class SignaturePropertiesTest {

    static final byte[] CONTENT = new byte[4096];
    static final List<byte[]> VALID = new ArrayList<>();
    static final SignatureTrust TRUST;
    static final String PGP_SIGNER;

    static {
        try {
            new Random(1).nextBytes(CONTENT);
            byte[] sha256 = Tools.sha256(CONTENT);

            OpenPGPApi api = new BcOpenPGPApi();
            OpenPGPKey pgp = api.generateKey(4).ed25519x25519Key("Prop <prop@example.org>").build();
            PGP_SIGNER = HexFormat.of().withUpperCase().formatHex(pgp.getFingerprint());
            var pgpSignature = api.createDetachedSignature().addSigningKey(pgp)
                    .sign(new ByteArrayInputStream(CONTENT)).get(0);
            VALID.add(pgpSignature.getEncoded());
            VALID.add(pgpSignature.toAsciiArmoredString().getBytes(StandardCharsets.US_ASCII));

            KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
            Signature ecdsa = Signature.getInstance("SHA256withECDSA");
            ecdsa.initSign(ec.getPrivate());
            ecdsa.update(CONTENT);
            byte[] der = ecdsa.sign();
            VALID.add(der);
            VALID.add(Base64.getMimeEncoder(64, new byte[] {'\n'}).encode(der));

            KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            Signature eddsa = Signature.getInstance("Ed25519");
            eddsa.initSign(ed.getPrivate());
            eddsa.update(sha256);
            VALID.add(eddsa.sign());

            KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
            rsaGenerator.initialize(2048);
            KeyPair rsa = rsaGenerator.generateKeyPair();
            Signature pss = Signature.getInstance("RSASSA-PSS");
            pss.setParameter(new PSSParameterSpec("SHA-256", "MGF1", MGF1ParameterSpec.SHA256, 32, 1));
            pss.initSign(rsa.getPrivate());
            pss.update(CONTENT);
            VALID.add(pss.sign());

            TRUST = SignatureTrust.of(List.of(ec.getPublic(), ed.getPublic(), rsa.getPublic()),
                    List.of(pgp.toCertificate().getEncoded()), Set.of());
        } catch (Exception e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Property(tries = 50)
    void originalsAreValid(@ForAll("originalIndex") int index) {
        assertThat(Tools.verify(TRUST, VALID.get(index), CONTENT).isValid()).as("original %d", index).isTrue();
    }

    @Property(tries = 2000, seed = "20261126")
    void randomBytesAreNeverValid(@ForAll("randomSignatures") byte[] signature) {
        SignatureOutcome outcome = Tools.verify(TRUST, signature, CONTENT);
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.rejections()).isNotEmpty();
    }

    @Property(tries = 4000, seed = "20261126")
    void mutatedSignaturesAreValidOnlyIfTheSignatureItselfIsUnchanged(@ForAll("mutations") Mutation mutation) {
        byte[] original = VALID.get(mutation.index());
        byte[] mutated = mutation.bytes();
        SignatureOutcome outcome = Tools.verify(TRUST, mutated, CONTENT);
        assertThat(outcome.isValid() ^ !outcome.rejections().isEmpty()).isTrue();
        Statistics.label("verdict").collect(outcome.isValid() ? "valid"
                : outcome.rejections().get(0).code().value());
        if (outcome.isValid()) {
            assertThat(sameSignature(original, mutated))
                    .as("valid after mutation %s of original %d", mutation.description(), mutation.index())
                    .isTrue();
            if (mutation.index() < 2) {
                assertThat(outcome.signer().orElseThrow().signer()).isEqualTo(PGP_SIGNER);
            }
        }
    }

    record Mutation(int index, byte[] bytes, String description) {
    }

    @Provide
    Arbitrary<Integer> originalIndex() {
        return Arbitraries.integers().between(0, VALID.size() - 1);
    }

    @Provide
    Arbitrary<byte[]> randomSignatures() {
        Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(1200);
        Arbitrary<byte[]> prefix = Arbitraries.of(new byte[0], new byte[] {(byte) 0x89, 0x01},
                new byte[] {(byte) 0xC2, (byte) 0x75, 0x04}, new byte[] {(byte) 0x88, 0x40, 0x04},
                new byte[] {0x30, 0x44, 0x02, 0x20},
                "-----BEGIN PGP SIGNATURE-----\n\n".getBytes(StandardCharsets.US_ASCII));
        return Combinators.combine(prefix, body).as((p, b) -> {
            byte[] all = Arrays.copyOf(p, p.length + b.length);
            System.arraycopy(b, 0, all, p.length, b.length);
            return all;
        });
    }

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(originalIndex(), Arbitraries.integers().between(0, 4),
                Arbitraries.integers().between(0, Integer.MAX_VALUE), Arbitraries.integers().between(1, 255))
                .as((index, kind, where, value) -> {
                    byte[] original = VALID.get(index);
                    int position = where % original.length;
                    switch (kind) {
                        case 0: {
                            byte[] flipped = original.clone();
                            flipped[position] ^= value.byteValue();
                            return new Mutation(index, flipped, "xor " + value + " at " + position);
                        }
                        case 1:
                            return new Mutation(index, Arrays.copyOf(original, position), "truncate to " + position);
                        case 2: {
                            byte[] inserted = new byte[original.length + 1];
                            System.arraycopy(original, 0, inserted, 0, position);
                            inserted[position] = value.byteValue();
                            System.arraycopy(original, position, inserted, position + 1, original.length - position);
                            return new Mutation(index, inserted, "insert " + value + " at " + position);
                        }
                        case 3: {
                            byte[] deleted = new byte[original.length - 1];
                            System.arraycopy(original, 0, deleted, 0, position);
                            System.arraycopy(original, position + 1, deleted, position, original.length - position - 1);
                            return new Mutation(index, deleted, "delete at " + position);
                        }
                        default: {
                            byte[] doubled = Arrays.copyOf(original, original.length * 2);
                            System.arraycopy(original, 0, doubled, original.length, original.length);
                            doubled[original.length + position] ^= value.byteValue();
                            return new Mutation(index, doubled, "append a copy with xor at " + position);
                        }
                    }
                });
    }

    /** Whether two inputs carry the same cryptographic signature over the same signed data. */
    static boolean sameSignature(byte[] original, byte[] mutated) {
        Optional<byte[]> a = DetachedSignatureVerifier.decodeBase64Text(original);
        Optional<byte[]> b = DetachedSignatureVerifier.decodeBase64Text(mutated);
        if (a.isPresent() && b.isPresent() && Arrays.equals(a.get(), b.get())) {
            return true;
        }
        List<PGPSignature> left = pgp(original);
        List<PGPSignature> right = pgp(mutated);
        if (left.isEmpty() || right.isEmpty()) {
            return false;
        }
        // At least one packet must be a signed-data-identical copy of the original. Others may differ: a packet
        // whose (hashed) issuer no longer names a trusted key is ignored by policy when a trusted one verifies.
        for (PGPSignature signature : right) {
            if (signedPartsEqual(left.get(0), signature)) {
                return true;
            }
        }
        return false;
    }

    private static boolean signedPartsEqual(PGPSignature a, PGPSignature b) {
        try {
            return Arrays.equals(a.getSignature(), b.getSignature())
                    && Arrays.equals(a.getSignatureTrailer(), b.getSignatureTrailer());
        } catch (Exception e) {
            return false;
        }
    }

    private static List<PGPSignature> pgp(byte[] bytes) {
        List<PGPSignature> signatures = new ArrayList<>();
        try {
            InputStream in = new ByteArrayInputStream(bytes);
            if (bytes.length > 0 && bytes[0] == '-') {
                in = ArmoredInputStream.builder().build(in);
            }
            BcPGPObjectFactory factory = new BcPGPObjectFactory(in);
            Object next;
            while ((next = factory.nextObject()) != null) {
                if (next instanceof PGPSignatureList list) {
                    list.forEach(signatures::add);
                }
            }
        } catch (Exception e) {
            return List.of();
        }
        return signatures;
    }
}
