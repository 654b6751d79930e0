package dev.safeload.api;

import dev.safeload.api.tree.DictNode;
import dev.safeload.api.tree.MetadataNode;
import dev.safeload.api.tree.IntNode;
import dev.safeload.api.tree.ObjectNode;
import dev.safeload.api.tree.SequenceNode;
import dev.safeload.api.tree.TensorNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;

/**
 * The validated metadata of a model: the tree that its pickle describes, with every tensor checked
 * against its storage, and summary counts.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li>Deeply immutable and thread-safe.</li>
 *   <li>The tree has no cycles, and its size when every path is expanded is bounded by
 *       {@link VerificationLimits#maxTreeNodes()}, so walking it always terminates.</li>
 * </ul>
 *
 * @since 0.1
 */
public final class ModelMetadata {

    private final ModelFormat format;
    private final MetadataNode root;
    private final ModelSummary summary;
    private final List<String> operators;

    /**
     * Metadata without an operator inventory, as for every format that holds no code.
     *
     * @param format the format the tree was read from
     * @param root the root node (the object that {@code torch.load} would return)
     * @param summary the counts
     */
    public ModelMetadata(ModelFormat format, MetadataNode root, ModelSummary summary) {
        this(format, root, summary, List.of());
    }

    /**
     * @param format the format the tree was read from
     * @param root the root node (the object that {@code torch.load} would return)
     * @param summary the counts
     * @param operators the operators the model's code names, such as {@code "aten::relu"}; copied, sorted
     *     and made distinct
     */
    public ModelMetadata(ModelFormat format, MetadataNode root, ModelSummary summary, List<String> operators) {
        this.format = Objects.requireNonNull(format, "format");
        this.root = Objects.requireNonNull(root, "root");
        this.summary = Objects.requireNonNull(summary, "summary");
        this.operators = List.copyOf(new TreeSet<>(Objects.requireNonNull(operators, "operators")));
    }

    /** {@return the format the tree was read from} */
    public ModelFormat format() {
        return format;
    }

    /** {@return the root of the tree} */
    public MetadataNode root() {
        return root;
    }

    /** {@return the summary counts} */
    public ModelSummary summary() {
        return summary;
    }

    /**
     * The operator inventory of a model that carries code (TorchScript): every operator its code names,
     * qualified as TorchScript resolves it ({@code "aten::linear"}, {@code "prim::Print"},
     * {@code "quantized::conv2d"}), sorted and distinct. Empty for formats without code.
     *
     * <p>The inventory comes from a static scan: it lists what the code names, which is a superset of what
     * any one run calls, but operators that the language applies implicitly (indexing, arithmetic
     * operators, loops) are not named and not listed.
     *
     * @return the operators, unmodifiable
     */
    public List<String> operators() {
        return operators;
    }

    /**
     * Lists every tensor with its path from the root, in depth-first pickle order. A tensor reachable along
     * several paths (tied weights) is listed once per path. Computed on each call, in time proportional
     * to the expanded tree.
     *
     * @return the flat view
     */
    public List<TensorEntry> tensors() {
        List<TensorEntry> out = new ArrayList<>();
        Deque<Frame> stack = new ArrayDeque<>();
        stack.push(new Frame(root, List.of()));
        while (!stack.isEmpty()) {
            Frame frame = stack.pop();
            MetadataNode node = frame.node;
            if (node instanceof TensorNode t) {
                out.add(new TensorEntry(frame.path, t));
            } else if (node instanceof DictNode d) {
                for (int i = d.size() - 1; i >= 0; i--) {
                    stack.push(new Frame(d.values().get(i), append(frame.path, d.keys().get(i))));
                }
            } else if (node instanceof SequenceNode s) {
                for (int i = s.size() - 1; i >= 0; i--) {
                    stack.push(new Frame(s.items().get(i), append(frame.path, IntNode.of(i))));
                }
            } else if (node instanceof ObjectNode o) {
                o.state().ifPresent(state -> stack.push(new Frame(state, frame.path)));
                for (int i = o.args().size() - 1; i >= 0; i--) {
                    stack.push(new Frame(o.args().get(i), append(frame.path, IntNode.of(i))));
                }
            }
        }
        return out;
    }

    private static List<MetadataNode> append(List<MetadataNode> path, MetadataNode element) {
        List<MetadataNode> next = new ArrayList<>(path.size() + 1);
        next.addAll(path);
        next.add(element);
        return next;
    }

    private record Frame(MetadataNode node, List<MetadataNode> path) {
    }

    @Override
    public String toString() {
        return "ModelMetadata[" + format + ", " + summary
                + (operators.isEmpty() ? "" : ", " + operators.size() + " operators") + "]";
    }
}
