# c10d's NCCL backend lives in a CUDA libtorch (libtorch_cuda); its header needs nccl.h and the
# CUDA toolkit's headers. Found: the CUDA ranks of a parallel stream are built (USE_C10D_NCCL, in
# core/parallel/rank_group.cpp only). Pitfall: libtorch was built against one NCCL and inlines
# ProcessGroupNCCL::Options, whose size follows nccl.h, so the nccl.h a pip PyTorch brings
# (site-packages/nvidia/nccl) comes before the toolkit's.
option(DITSTREAM_NCCL "Build c10d's NCCL backend where a CUDA libtorch and nccl.h are found" ON)
if(NOT TORCH_CUDA_LIBRARIES OR NOT DITSTREAM_NCCL)
  return()
endif()
find_package(CUDAToolkit QUIET)
get_filename_component(torch_site "${TORCH_INSTALL_PREFIX}/.." ABSOLUTE)
file(GLOB pip_cuda_includes "${torch_site}/nvidia/*/include")
set(cuda_includes ${pip_cuda_includes} ${CUDAToolkit_INCLUDE_DIRS})
find_path(NCCL_INCLUDE_DIR nccl.h HINTS ${cuda_includes})
find_path(CUDA_RUNTIME_INCLUDE_DIR cuda_runtime_api.h HINTS ${cuda_includes})
if(NOT NCCL_INCLUDE_DIR OR NOT CUDA_RUNTIME_INCLUDE_DIR)
  message(WARNING "nccl.h or the CUDA headers not found: parallel ranks on CUDA are not built")
  return()
endif()
message(STATUS "c10d NCCL backend: nccl.h from ${NCCL_INCLUDE_DIR}")
set(nccl_flags)
foreach(dir ${NCCL_INCLUDE_DIR} ${cuda_includes})
  list(APPEND nccl_flags "-isystem${dir}")
endforeach()
list(REMOVE_DUPLICATES nccl_flags)
set_source_files_properties(${CMAKE_CURRENT_SOURCE_DIR}/parallel/rank_group.cpp PROPERTIES
  COMPILE_DEFINITIONS USE_C10D_NCCL COMPILE_OPTIONS "${nccl_flags}" SKIP_PRECOMPILE_HEADERS ON)
