/*
 * graph_edges_lab.cuh — a captured graph's kernel-to-kernel edges made programmatic, so that each
 * kernel may launch before the one before it ends (programmatic dependent launch for kernels not
 * launched with it, such as cuBLAS's). Safe only where every downstream kernel waits for its
 * upstream (griddepcontrol.wait) before it reads what that one wrote. The chain lab
 * (`gemm_lab --chain`) showed cuBLAS 13.1's kernels do not (bench/results/h200/chain_edges.log:
 * 14–36% of a 32-layer chain's outputs differ in their bits), so the engine does not use it.
 */
#ifndef GRIFFIN_GRAPH_EDGES_LAB_CUH
#define GRIFFIN_GRAPH_EDGES_LAB_CUH

#include <cuda_runtime.h>

#include <vector>

namespace gf {

/* Every default edge between two kernel nodes of graph made programmatic: how many, or −1 on an error. */
inline int programmatic_edges(cudaGraph_t graph) {
  size_t n = 0;
  if (cudaGraphGetEdges(graph, nullptr, nullptr, nullptr, &n) != cudaSuccess) return -1;
  std::vector<cudaGraphNode_t> from(n), to(n);
  std::vector<cudaGraphEdgeData> data(n);
  if (cudaGraphGetEdges(graph, from.data(), to.data(), data.data(), &n) != cudaSuccess) return -1;
  int made = 0;
  for (size_t i = 0; i < n; i++) {
    cudaGraphNodeType a, b;
    if (cudaGraphNodeGetType(from[i], &a) != cudaSuccess || cudaGraphNodeGetType(to[i], &b) != cudaSuccess) return -1;
    if (a != cudaGraphNodeTypeKernel || b != cudaGraphNodeTypeKernel || data[i].type != cudaGraphDependencyTypeDefault)
      continue;
    cudaGraphEdgeData edge = {};
    edge.from_port = cudaGraphKernelNodePortProgrammatic;
    edge.type = cudaGraphDependencyTypeProgrammatic;
    if (cudaGraphRemoveDependencies(graph, &from[i], &to[i], &data[i], 1) != cudaSuccess ||
        cudaGraphAddDependencies(graph, &from[i], &to[i], &edge, 1) != cudaSuccess)
      return -1;
    made++;
  }
  return made;
}

} // namespace gf

#endif
