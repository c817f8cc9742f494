# libtorch from a PyTorch package folder (python3 -c 'import torch, os;
# print(os.path.dirname(torch.__file__))') without find_package(Torch), whose CUDA toolkit
# lookup can fail on a bare GPU machine (../shared/GPU.md). Sets TORCH_INCLUDE_DIRS and
# TORCH_LIBRARIES (TORCH_CUDA_LIBRARIES, TORCH_INSTALL_PREFIX) as find_package(Torch) does.
set(torch_lib ${DITSTREAM_TORCH_DIR}/lib)
foreach(library torch torch_cpu c10)
  if(NOT EXISTS ${torch_lib}/lib${library}.so)
    message(FATAL_ERROR "DITSTREAM_TORCH_DIR: ${torch_lib}/lib${library}.so not found")
  endif()
endforeach()
set(TORCH_INCLUDE_DIRS ${DITSTREAM_TORCH_DIR}/include
  ${DITSTREAM_TORCH_DIR}/include/torch/csrc/api/include)
set(TORCH_LIBRARIES ${torch_lib}/libtorch.so ${torch_lib}/libtorch_cpu.so ${torch_lib}/libc10.so)
# The CUDA backend registers itself when its library loads: link it even though no symbol of it
# is referenced.
if(EXISTS ${torch_lib}/libtorch_cuda.so)
  set(TORCH_CUDA_LIBRARIES ${torch_lib}/libtorch_cuda.so ${torch_lib}/libc10_cuda.so)
  list(APPEND TORCH_LIBRARIES "-Wl,--no-as-needed" ${TORCH_CUDA_LIBRARIES} "-Wl,--as-needed")
endif()
set(TORCH_INSTALL_PREFIX ${DITSTREAM_TORCH_DIR})
# PyTorch's wheels say which C++ ABI they use: torch._C._GLIBCXX_USE_CXX11_ABI.
set(DITSTREAM_TORCH_CXX11_ABI 1 CACHE STRING "_GLIBCXX_USE_CXX11_ABI of the PyTorch build")
add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=${DITSTREAM_TORCH_CXX11_ABI})
