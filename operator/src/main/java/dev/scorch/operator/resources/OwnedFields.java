package dev.scorch.operator.resources;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a live owned object still carries every field the operator sets on it. Pure: compares
 * the desired object with the live one, so the reconciler writes only when something it owns was
 * changed or removed (by a hand edit, another tool) or its desired state moved.
 *
 * <p>What the API server and other parties add is not a difference: defaulted fields, extra
 * labels and annotations, status, another manager's extra list element (a toleration, a sidecar).
 * Lists of objects are matched element by element regardless of order (a desired element must be
 * contained in some live element); lists of scalars (args, capabilities, selector values) must be
 * equal, since their order matters. Resource quantities compare by amount ({@code 0.5} equals
 * {@code 500m}), because the API server stores them canonicalised.
 */
public final class OwnedFields {
    private static final KubernetesSerialization JSON = new KubernetesSerialization();
    /** Objects whose every value is a Quantity (resource requests and limits). */
    private static final Set<String> QUANTITY_MAPS = Set.of("limits", "requests");
    /** Fields that hold a single Quantity. */
    private static final Set<String> QUANTITY_FIELDS = Set.of("sizeLimit");

    private OwnedFields() {}

    /**
     * The path of the first field {@code desired} sets that {@code live} lacks or holds with another
     * value (e.g. {@code spec.template.spec.containers[0].image}), or empty when {@code live}
     * carries everything desired. A missing live object differs at the root.
     */
    public static Optional<String> firstDifference(HasMetadata desired, HasMetadata live) {
        if (live == null) {
            return Optional.of("(object missing)");
        }
        return difference("", tree(desired), tree(live), false);
    }

    /** The object as a JSON tree, built from its fields directly (no JSON text in between: this runs on every echo of a write). */
    private static JsonNode tree(HasMetadata object) {
        return JSON.convertValue(object, JsonNode.class);
    }

    private static Optional<String> difference(String path, JsonNode desired, JsonNode live, boolean quantity) {
        if (live == null || live.isMissingNode() || live.isNull()) {
            // The API server drops empty lists and objects; asking for nothing is not a difference.
            boolean asksForNothing = desired.isNull() || (desired.isContainerNode() && desired.isEmpty());
            return asksForNothing ? Optional.empty() : Optional.of(pathOrRoot(path));
        }
        if (desired.isObject()) {
            if (!live.isObject()) {
                return Optional.of(pathOrRoot(path));
            }
            boolean valuesAreQuantities = QUANTITY_MAPS.contains(lastSegment(path));
            Iterator<Map.Entry<String, JsonNode>> fields = desired.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey();
                Optional<String> found = difference(path.isEmpty() ? key : path + "." + key, field.getValue(),
                        live.get(key), valuesAreQuantities || QUANTITY_FIELDS.contains(key));
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        }
        if (desired.isArray()) {
            return live.isArray() ? listDifference(path, desired, live) : Optional.of(pathOrRoot(path));
        }
        if (quantity) {
            return sameQuantity(desired, live) ? Optional.empty() : Optional.of(path);
        }
        return scalarEquals(desired, live) ? Optional.empty() : Optional.of(pathOrRoot(path));
    }

    private static Optional<String> listDifference(String path, JsonNode desired, JsonNode live) {
        boolean scalars = true;
        for (JsonNode element : desired) {
            scalars &= element.isValueNode();
        }
        if (scalars) {
            if (desired.size() != live.size()) {
                return Optional.of(path);
            }
            for (int i = 0; i < desired.size(); i++) {
                if (!scalarEquals(desired.get(i), live.get(i))) {
                    return Optional.of(path + "[" + i + "]");
                }
            }
            return Optional.empty();
        }
        List<JsonNode> unmatched = new ArrayList<>();
        live.forEach(unmatched::add);
        for (int i = 0; i < desired.size(); i++) {
            JsonNode wanted = desired.get(i);
            Optional<JsonNode> match = unmatched.stream()
                    .filter(candidate -> difference("", wanted, candidate, false).isEmpty())
                    .findFirst();
            if (match.isEmpty()) {
                return Optional.of(path + "[" + i + "]" + closestDifference(wanted, unmatched));
            }
            unmatched.remove(match.get());
        }
        return Optional.empty();
    }

    /** Where a desired list element differs from the live element it most likely was (same name). */
    private static String closestDifference(JsonNode wanted, List<JsonNode> candidates) {
        JsonNode name = wanted.get("name");
        if (name == null) {
            return "";
        }
        return candidates.stream()
                .filter(candidate -> name.equals(candidate.get("name")))
                .findFirst()
                .flatMap(candidate -> difference("", wanted, candidate, false))
                .map(inner -> "." + inner)
                .orElse("");
    }

    private static boolean scalarEquals(JsonNode desired, JsonNode live) {
        if (desired.isNumber() && live.isNumber()) {
            return desired.decimalValue().compareTo(live.decimalValue()) == 0;
        }
        return desired.equals(live);
    }

    private static boolean sameQuantity(JsonNode desired, JsonNode live) {
        if (desired.equals(live)) {
            return true;
        }
        try {
            return new Quantity(desired.asText()).getNumericalAmount()
                    .compareTo(new Quantity(live.asText()).getNumericalAmount()) == 0;
        } catch (IllegalArgumentException | ArithmeticException notAQuantity) {
            return false;
        }
    }

    private static String lastSegment(String path) {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    private static String pathOrRoot(String path) {
        return path.isEmpty() ? "(root)" : path;
    }
}
