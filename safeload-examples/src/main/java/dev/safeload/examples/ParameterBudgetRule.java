package dev.safeload.examples;

import dev.safeload.api.ModelSummary;
import dev.safeload.api.RejectionCode;
import dev.safeload.api.TensorEntry;
import dev.safeload.api.tree.DType;
import dev.safeload.spi.VerificationContext;
import dev.safeload.spi.Verifier;
import dev.safeload.spi.VerifierResult;

/**
 * An example user rule: a service that serves small fp32/fp16 models refuses anything larger than a
 * parameter budget, and any float64 tensor (a common sign of an export mistake that doubles memory).
 *
 * <p>Stateless and thread-safe, as the {@link Verifier} contract requires.
 */
public final class ParameterBudgetRule implements Verifier {

    /** The code this rule rejects with. */
    public static final RejectionCode OVER_BUDGET = RejectionCode.custom("example.parameter-budget");
    /** The code for float64 tensors. */
    public static final RejectionCode FLOAT64 = RejectionCode.custom("example.no-float64");

    private final long maxElements;

    /** @param maxElements the most tensor elements a model may hold */
    public ParameterBudgetRule(long maxElements) {
        if (maxElements <= 0) {
            throw new IllegalArgumentException("maxElements must be positive");
        }
        this.maxElements = maxElements;
    }

    @Override
    public VerifierResult verify(VerificationContext context) {
        ModelSummary summary = context.metadata().summary();
        if (summary.elements() > maxElements) {
            return VerifierResult.reject(OVER_BUDGET, "model holds " + summary.elements()
                    + " tensor elements, over the budget of " + maxElements);
        }
        for (TensorEntry entry : context.metadata().tensors()) {
            if (entry.tensor().dtype() == DType.FLOAT64) {
                return VerifierResult.reject(FLOAT64, "tensor " + entry.pathString() + " is float64");
            }
        }
        return VerifierResult.pass();
    }

    @Override
    public String name() {
        return "example.parameter-budget";
    }
}
