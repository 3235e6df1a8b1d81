// SPDX-License-Identifier: Apache-2.0
package dev.kindling.app.tools;

import dev.kindling.core.model.Sequential;
import dev.kindling.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Prints the largest absolute difference between the weights of two saved models of the same architecture (0.0
 * when they are bit for bit the same), for benchmark scripts that train one recipe two ways. Exit 2 when the
 * models do not have the same number of weights.
 */
public final class CompareModels {
    private CompareModels() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: CompareModels MODEL_A MODEL_B   (model.kindling files)");
            System.exit(2);
        }
        Tensor a = Sequential.load(Path.of(args[0])).weights();
        Tensor b = Sequential.load(Path.of(args[1])).weights();
        if (a.size() != b.size()) {
            System.err.println(args[0] + " has " + a.size() + " weights, " + args[1] + " has " + b.size());
            System.exit(2);
        }
        System.out.println(a.sub(b).map(Math::abs).max().item());
    }
}
